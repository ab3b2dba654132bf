"""Talking to ECR: the client factory, model-driven validation, one error type, and hints.

No Textual here, and nothing heavy at import time: botocore loads on first use.
"""

"""ecrtui: an operator console for Amazon ECR image-layer uploads."""

__version__ = "0.1.0"

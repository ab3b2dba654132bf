"""The local backend under abusive clients: its memory, its threads, and how long a stall lasts.

    .venv/bin/python benchmarks/backend_limits.py [--only big,manifest,patch,parts,half,stall]
        [-- LOCAL-ECR FLAGS...]

Starts `ecrtui local-ecr` (with the flags after --) and prints, read from /proc (Linux only):
- the backend's peak resident memory (VmHWM) around a 512 MiB UploadLayerPart body, a 512 MiB
  manifest PUT, a 512 MiB registry PATCH, and 8 UploadLayerPart calls of the model's largest part
  (20 MiB) at once;
- its thread count with 300 connections that send their headers and one byte of a 1000-byte
  body, then hang; what a normal request gets meanwhile; and the count once they close;
- how long a client that stalls (sends nothing; sends headers and no body; promises 2 GiB and
  sends 10 bytes; promises 1000 and sends 10) keeps its connection.
Only 127.0.0.1 is contacted.
"""

from __future__ import annotations

import argparse
import base64
import http.client
import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

MiB = 1024 * 1024
TARGET = "AmazonEC2ContainerRegistry_V20150921."
SIGNED = (
    "AWS4-HMAC-SHA256 Credential=AKIABENCHMARK0000000/20260101/us-east-1/ecr/aws4_request, "
    "SignedHeaders=host, Signature=0"
)
STALL_LIMIT = 120.0  # seconds a stalled client is watched before it counts as kept for ever


class Backend:
    def __init__(self, flags: list[str]) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "ecrtui", "local-ecr", *flags],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            cwd=Path(__file__).resolve().parent.parent,
        )
        assert self.process.stdout is not None
        url = self.process.stdout.readline().strip()
        host, port = url.removeprefix("http://").rsplit(":", 1)
        self.host, self.port = host, int(port)

    def status(self, key: str) -> int:
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
        raise KeyError(key)

    def megabytes(self, key: str) -> str:
        return f"{self.status(key) / 1024:.0f} MB"

    def connect(self, sent: bytes = b"", timeout: float = 120.0) -> socket.socket:
        connection = socket.create_connection((self.host, self.port), timeout=timeout)
        if sent:
            connection.sendall(sent)
        return connection

    def client(self) -> object:
        import boto3
        from botocore.config import Config

        return boto3.client(
            "ecr",
            endpoint_url=f"http://{self.host}:{self.port}",
            region_name="us-east-1",
            aws_access_key_id="AKIABENCHMARK0000000",
            aws_secret_access_key="benchmark",
            config=Config(retries={"max_attempts": 1}),
        )

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(30)


def api_head(operation: str, length: int) -> bytes:
    return (
        f"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Amz-Target: {TARGET}{operation}\r\n"
        f"Content-Type: application/x-amz-json-1.1\r\nAuthorization: {SIGNED}\r\n"
        f"Content-Length: {length}\r\n\r\n"
    ).encode()


def status_line(data: bytes) -> str:
    return data.split(b"\r\n", 1)[0].decode(errors="replace") or "(connection closed)"


def stream(backend: Backend, head: bytes, size: int, chunk: bytes) -> str:
    """Send `head` and `size` bytes of body; the status line the backend answers."""
    with backend.connect(head) as connection:
        try:
            for _ in range(size // len(chunk)):
                connection.sendall(chunk)
        except OSError:
            pass  # it answered and stopped reading
        try:
            return status_line(connection.recv(300))
        except OSError as error:
            return repr(error)


def registry_token(backend: Backend, repository: str) -> str:
    client = backend.client()
    client.create_repository(repositoryName=repository)  # type: ignore[attr-defined]
    data = client.get_authorization_token()["authorizationData"][0]  # type: ignore[attr-defined]
    return str(data["authorizationToken"])


def big_api_body(backend: Backend) -> None:
    before = backend.megabytes("VmRSS")
    answer = stream(backend, api_head("UploadLayerPart", 512 * MiB), 512 * MiB, b"A" * MiB)
    peak = backend.megabytes("VmHWM")
    print(f"512 MiB UploadLayerPart body: {answer}; RSS {before} before, peak {peak}")


def big_manifest(backend: Backend) -> None:
    token = registry_token(backend, "bench/manifest")
    head = (
        f"PUT /v2/bench/manifest/manifests/big HTTP/1.1\r\nHost: x\r\n"
        f"Authorization: Basic {token}\r\nContent-Length: {512 * MiB}\r\n\r\n"
    ).encode()
    before = backend.megabytes("VmRSS")
    answer = stream(backend, head, 512 * MiB, b" " * MiB)
    print(f"512 MiB manifest PUT: {answer}; RSS {before} before, peak {backend.megabytes('VmHWM')}")


def big_patch(backend: Backend) -> None:
    token = registry_token(backend, "bench/patch")
    connection = http.client.HTTPConnection(backend.host, backend.port, timeout=120)
    connection.request(
        "POST", "/v2/bench/patch/blobs/uploads/", headers={"Authorization": f"Basic {token}"}
    )
    started = connection.getresponse()
    started.read()
    path = "/" + started.getheader("Location", "").split("/", 3)[3]
    head = (
        f"PATCH {path} HTTP/1.1\r\nHost: x\r\nAuthorization: Basic {token}\r\n"
        f"Content-Length: {512 * MiB}\r\n\r\n"
    ).encode()
    before = backend.megabytes("VmRSS")
    answer = stream(backend, head, 512 * MiB, os.urandom(MiB))
    print(
        f"512 MiB registry PATCH: {answer}; RSS {before} before, peak {backend.megabytes('VmHWM')}"
    )


def largest_parts(backend: Backend, at_once: int = 8) -> None:
    client = backend.client()
    client.create_repository(repositoryName="bench/parts")  # type: ignore[attr-defined]
    blob = base64.b64encode(os.urandom(20 * MiB)).decode()
    answers: list[str] = []

    def one() -> None:
        upload = client.initiate_layer_upload(repositoryName="bench/parts")["uploadId"]  # type: ignore[attr-defined]
        body = json.dumps(
            {
                "repositoryName": "bench/parts",
                "uploadId": upload,
                "partFirstByte": 0,
                "partLastByte": 20 * MiB - 1,
                "layerPartBlob": blob,
            }
        ).encode()
        with backend.connect(api_head("UploadLayerPart", len(body)) + body) as connection:
            answers.append(status_line(connection.recv(300)))

    before = backend.megabytes("VmRSS")
    threads = [threading.Thread(target=one) for _ in range(at_once)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    print(
        f"{at_once} UploadLayerPart calls of 20 MiB at once: {sorted(set(answers))}; "
        f"RSS {before} before, peak {backend.megabytes('VmHWM')}"
    )


def half_open(backend: Backend, count: int = 300) -> None:
    idle = backend.status("Threads")
    hanging = [backend.connect(api_head("DescribeRepositories", 1000) + b"{") for _ in range(count)]
    time.sleep(3)
    during = backend.status("Threads")
    began = time.perf_counter()
    try:
        connection = http.client.HTTPConnection(backend.host, backend.port, timeout=120)
        connection.request("GET", "/v2/")
        answer = connection.getresponse()
        normal = f"{answer.status} {answer.reason} in {time.perf_counter() - began:.2f} s"
    except OSError as error:
        normal = f"{error!r} after {time.perf_counter() - began:.1f} s"
    for connection in hanging:
        connection.close()
    time.sleep(3)
    print(
        f"{count} half-open connections: {idle} threads idle, {during} while they hang, "
        f"{backend.status('Threads')} once they close; a GET /v2/ meanwhile: {normal}"
    )


def stalls(backend: Backend) -> None:
    cases = {
        "sends nothing": b"",
        "sends headers and no body": api_head("DescribeRepositories", 100),
        "promises 2 GiB, sends 10 bytes": api_head("DescribeRepositories", 2 * 1024**3) + b"0" * 10,
        "promises 1000 bytes, sends 10": api_head("DescribeRepositories", 1000) + b"0" * 10,
    }
    for what, sent in cases.items():
        with backend.connect(sent, timeout=STALL_LIMIT) as connection:
            began = time.perf_counter()
            try:
                data = connection.recv(300)
                outcome = status_line(data) if data else "dropped"
            except TimeoutError:
                outcome = "still connected"
            except OSError as error:
                outcome = repr(error)
        print(f"a client that {what}: {outcome} after {time.perf_counter() - began:.1f} s")


MEASURES: dict[str, Callable[[Backend], None]] = {
    "big": big_api_body,
    "manifest": big_manifest,
    "patch": big_patch,
    "parts": largest_parts,
    "half": half_open,
    "stall": stalls,
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", default=",".join(MEASURES), help="measures, comma-separated")
    parser.add_argument("flags", nargs="*", help="flags for ecrtui local-ecr, after --")
    args = parser.parse_args()
    for name in args.only.split(","):
        backend = Backend(args.flags)  # a fresh backend for each, so each peak is its own
        try:
            MEASURES[name](backend)
        finally:
            backend.stop()


if __name__ == "__main__":
    main()

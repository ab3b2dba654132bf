"""Pushing one layer to the local backend: `ecrtui push-layer`, a plain boto3 loop, the aws CLI.

    .venv/bin/python benchmarks/perf_push.py [RUNS]

Starts `ecrtui local-ecr` on 127.0.0.1 and pushes a layer in 10 MiB parts three ways, each in a
fresh process and into a fresh repository, interleaved in one loop so the machine's noise falls
on all three alike; every pushed digest is checked against the layer's sha256:

- `ecrtui push-layer` (one command: hashes the layer, checks it is not there, journals every part,
  completes);
- a plain boto3 loop (initiate, one upload_layer_part per part, complete) in its own Python
  process, so its start-up counts as ecrtui's does;
- the aws CLI (initiate-layer-upload, one upload-layer-part per part with --layer-part-blob
  fileb://, complete-layer-upload: the byte offsets juggled by a small driver process).

Times are wall times of the whole process. Peak memory is each process's max RSS (wait4), for a
64 MiB layer (the timed runs) and a 1 GiB layer (fewer runs: each takes seconds): ecrtui's must
not be above the boto3 loop's, and must not grow with the layer's size.

When a target misses, `ecrtui push-layer` of that row's layer runs once more under py-spy, and
the table is followed by where its time went.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from perf_common import (
    AWS,
    ECRTUI,
    ENV,
    Limit,
    Row,
    attach_profile,
    boto3_client,
    local_backend,
    run_alone,
)
from perf_profile import profile_command

MiB = 1024 * 1024
PART = 10 * MiB
SMALL, LARGE = 64 * MiB, 1024 * MiB


# -- the peers, each run in a process of its own ------------------------------------------------


def push_with_boto3(url: str, repository: str, layer: Path) -> str:
    """The plain boto3 loop: initiate, one upload_layer_part per 10 MiB part, complete."""
    client = boto3_client(url)
    upload_id = client.initiate_layer_upload(repositoryName=repository)["uploadId"]  # type: ignore[attr-defined]
    digest = hashlib.sha256()
    with layer.open("rb") as source:
        offset = 0
        while chunk := source.read(PART):
            digest.update(chunk)
            client.upload_layer_part(  # type: ignore[attr-defined]
                repositoryName=repository,
                uploadId=upload_id,
                partFirstByte=offset,
                partLastByte=offset + len(chunk) - 1,
                layerPartBlob=chunk,
            )
            offset += len(chunk)
    answer = client.complete_layer_upload(  # type: ignore[attr-defined]
        repositoryName=repository,
        uploadId=upload_id,
        layerDigests=["sha256:" + digest.hexdigest()],
    )
    return str(answer["layerDigest"])


def push_with_aws_cli(url: str, repository: str, layer: Path) -> str:
    """The aws CLI: initiate-layer-upload, one upload-layer-part per part, complete-layer-upload."""
    aws = [AWS, "--endpoint-url", url, "ecr"]

    def call(*args: str) -> dict[str, object]:
        done = subprocess.run([*aws, *args], check=True, capture_output=True, text=True, env=ENV)
        answer: dict[str, object] = json.loads(done.stdout)
        return answer

    upload_id = str(call("initiate-layer-upload", "--repository-name", repository)["uploadId"])
    digest = hashlib.sha256()
    with tempfile.TemporaryDirectory() as work, layer.open("rb") as source:
        part = Path(work) / "part"
        offset = 0
        while chunk := source.read(PART):
            digest.update(chunk)
            part.write_bytes(chunk)
            call(
                "upload-layer-part",
                "--repository-name",
                repository,
                "--upload-id",
                upload_id,
                "--part-first-byte",
                str(offset),
                "--part-last-byte",
                str(offset + len(chunk) - 1),
                "--layer-part-blob",
                f"fileb://{part}",
            )
            offset += len(chunk)
    answer = call(
        "complete-layer-upload",
        "--repository-name",
        repository,
        "--upload-id",
        upload_id,
        "--layer-digests",
        "sha256:" + digest.hexdigest(),
    )
    return str(answer["layerDigest"])


PEERS: dict[str, Callable[[str, str, Path], str]] = {
    "boto3-loop": push_with_boto3,
    "aws-cli-loop": push_with_aws_cli,
}


# -- measuring -----------------------------------------------------------------------------------


def measured(command: list[str], env: dict[str, str]) -> tuple[float, float, str]:
    """Run one process to its end: its wall time (s), its peak memory (max RSS, MiB), its stdout."""
    with tempfile.TemporaryFile() as err:
        began = time.perf_counter()
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=err, env=env)
        assert process.stdout is not None
        out = process.stdout.read()
        process.stdout.close()
        _, status, usage = os.wait4(process.pid, 0)  # this process's own rusage, unlike Popen.wait
        elapsed = time.perf_counter() - began
        process.returncode = code = os.waitstatus_to_exitcode(status)
        if code:
            err.seek(0)
            raise RuntimeError(f"{command[:3]} exited {code}: {err.read().decode()[-2000:]}")
    return elapsed, usage.ru_maxrss / 1024, out.decode()


class Pusher:
    """The three ways to push, against one backend, each into a fresh repository."""

    def __init__(self, url: str, state: Path) -> None:
        self.url, self.state = url, state
        self.client = boto3_client(url)
        self.repositories = 0

    def fresh_repository(self) -> str:
        self.repositories += 1
        name = f"bench/push-{self.repositories:04d}"
        self.client.create_repository(repositoryName=name)  # type: ignore[attr-defined]
        return name

    @property
    def env(self) -> dict[str, str]:
        return {**ENV, "ECRTUI_STATE_DIR": str(self.state)}

    def command(self, way: str, layer: Path) -> list[str]:
        """The process pushing `layer` one way, into a fresh repository."""
        repository = self.fresh_repository()
        if way == "ecrtui":
            command = [ECRTUI, "push-layer", str(layer), "--repository-name", repository]
            return [*command, "--endpoint-url", self.url]
        return [sys.executable, __file__, way, self.url, repository, str(layer)]

    def profile(self, layer: Path) -> str:
        """Where the time of one more `ecrtui push-layer` of `layer` goes (py-spy)."""
        return profile_command(self.command("ecrtui", layer), self.env)

    def push(self, way: str, layer: Path, expected: str) -> tuple[float, float]:
        """Wall time and peak memory of one push, whose digest is checked."""
        elapsed, peak, out = measured(self.command(way, layer), self.env)
        digest = json.loads(out)["layerDigest"] if way == "ecrtui" else out.strip()
        if digest != expected:
            raise RuntimeError(f"{way} pushed {digest}, not the layer's {expected}")
        return elapsed, peak


def write_layer(path: Path, size: int) -> str:
    """A layer of random bytes; its digest."""
    digest = hashlib.sha256()
    with path.open("wb") as out:
        for _ in range(size // MiB):
            chunk = os.urandom(MiB)
            digest.update(chunk)
            out.write(chunk)
    return "sha256:" + digest.hexdigest()


def rows(runs: int) -> tuple[list[Row], list[Limit]]:
    seconds: dict[str, list[float]] = {"ecrtui": [], "boto3-loop": [], "aws-cli-loop": []}
    peaks: dict[tuple[str, int], list[float]] = {}
    with tempfile.TemporaryDirectory() as temp, local_backend() as url:
        work = Path(temp)
        pusher = Pusher(url, work / "state")
        small, large = work / "layer-64MiB.bin", work / "layer-1GiB.bin"
        small_digest = write_layer(small, SMALL)
        for _ in range(runs):
            for way in seconds:
                elapsed, peak = pusher.push(way, small, small_digest)
                seconds[way].append(elapsed)
                peaks.setdefault((way, SMALL), []).append(peak)
        large_digest = write_layer(large, LARGE)
        for _ in range(max(1, (runs + 1) // 2)):
            for way in ("ecrtui", "boto3-loop"):
                peaks.setdefault((way, LARGE), []).append(pusher.push(way, large, large_digest)[1])
        by_layer = figures(seconds, peaks)
        attach_profile(by_layer[SMALL], lambda: pusher.profile(small))
        attach_profile(by_layer[LARGE], lambda: pusher.profile(large))
    return by_layer[SMALL] + by_layer[LARGE], []


MEMORY_ROWS = ((SMALL, "64 MiB"), (LARGE, "1 GiB"))


def memory_row(peaks: dict[tuple[str, int], list[float]], size: int, words: str) -> Row:
    mine, theirs = peaks["ecrtui", size], peaks["boto3-loop", size]
    return Row(f"peak memory, push {words}", mine, "plain boto3 loop", theirs, 1.0, "MiB")


def figures(
    seconds: dict[str, list[float]], peaks: dict[tuple[str, int], list[float]]
) -> dict[int, list[Row]]:
    """The rows, by the size of the layer whose push a profile of ecrtui's would run."""
    boto3, ecrtui = "plain boto3 loop", seconds["ecrtui"]
    small = [
        Row("push 64 MiB, 10 MiB parts", ecrtui, boto3, seconds["boto3-loop"], 1.05),
        Row("push 64 MiB, 10 MiB parts", ecrtui, "aws CLI loop", seconds["aws-cli-loop"], 0.29),
    ]
    memory = {size: memory_row(peaks, size, words) for size, words in MEMORY_ROWS}
    large_peak, small_peak = peaks["ecrtui", LARGE], peaks["ecrtui", SMALL]
    growth = Row("peak memory, ecrtui 1 GiB", large_peak, "ecrtui 64 MiB", small_peak, 1.10, "MiB")
    return {SMALL: [*small, memory[SMALL]], LARGE: [memory[LARGE], growth]}


def main() -> int:
    if len(sys.argv) == 5 and sys.argv[1] in PEERS:  # one peer's push, in this fresh process
        way, url, repository, layer = sys.argv[1:]
        print(PEERS[way](url, repository, Path(layer)))
        return 0
    return run_alone(rows, 3)


if __name__ == "__main__":
    raise SystemExit(main())

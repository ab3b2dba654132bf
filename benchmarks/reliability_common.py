"""What the reliability scenarios share: the scales, the local backend as a subprocess, layer
files, `ecrtui` runs, and what ECR holds, checked directly against the backend.

Everything runs on 127.0.0.1 with dummy AWS credentials; a proxy variable pointing at a closed
loopback port catches any request meant for another host, so nothing can reach real AWS.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import reprlib
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.request
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
MiB = 1024 * 1024
CLOSED_PORT_URL = "http://127.0.0.1:9"

DUMMY_ENV = {
    "AWS_ACCESS_KEY_ID": "AKIARELIABILITY00000",
    "AWS_SECRET_ACCESS_KEY": "reliability-secret",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_REGION": "us-east-1",
    "AWS_CONFIG_FILE": os.devnull,
    "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
    "AWS_EC2_METADATA_DISABLED": "true",
    "AWS_PAGER": "",
    # a request for any host but the loopback goes to a closed port and fails at once
    "HTTP_PROXY": CLOSED_PORT_URL,
    "HTTPS_PROXY": CLOSED_PORT_URL,
    "NO_PROXY": "127.0.0.1,localhost,::1",
    "PYTHONUNBUFFERED": "1",
}


@dataclass(frozen=True)
class Scale:
    """How big each scenario runs."""

    name: str
    layers: int  # faults: layers pushed through the faulty proxy
    layer_mib: tuple[int, int]  # their sizes, in MiB
    fault_rate: float  # share of requests that meet a fault
    part_mib: int | None  # --part-size of those pushes (None: the partSize ECR gives)
    kills: int  # crashes: pushes killed with SIGKILL
    kill_mib: tuple[int, int]
    inputs: int  # hostile inputs, in-process
    process_inputs: int  # of which run again as `ecrtui` processes
    processes: int  # concurrency: processes sharing one journal
    rounds: int  # rounds of commands each of them runs
    clients: int  # backend: concurrent clients
    client_rounds: int
    stalled: int  # connections left half-open during the load
    oversize_mib: int  # the body sent past every limit
    settle: float  # seconds a stalled connection may be held open by the backend (0: not checked)


SCALES = {
    "small": Scale(
        name="small",
        layers=6,
        layer_mib=(6, 12),
        # fewer and smaller layers: smaller parts and a higher share, so every kind still shows
        fault_rate=0.4,
        part_mib=5,
        kills=3,
        kill_mib=(6, 16),
        inputs=2000,
        process_inputs=8,
        processes=3,
        rounds=1,
        clients=20,
        client_rounds=2,
        stalled=10,
        oversize_mib=256,
        settle=0.0,  # not waited for: a small run does not outlast the backend's request timeout
    ),
    "full": Scale(
        name="full",
        layers=50,
        layer_mib=(6, 60),
        fault_rate=0.10,
        part_mib=None,
        kills=30,
        kill_mib=(6, 40),
        inputs=100_000,
        process_inputs=300,
        processes=6,
        rounds=3,
        clients=200,
        client_rounds=5,
        stalled=40,
        oversize_mib=256,
        settle=45.0,
    ),
}


def scaled(scale: Scale, **changes: Any) -> Scale:
    """The scale with some sizes changed (None leaves a size as it is)."""
    return replace(scale, **{name: value for name, value in changes.items() if value is not None})


@dataclass
class Outcome:
    """One scenario's figures, whether its targets hold, and what failed them."""

    name: str
    figures: list[str]
    targets: dict[str, bool]
    failures: list[str] = field(default_factory=list)
    seconds: float = 0.0
    numbers: dict[str, int] = field(default_factory=dict)  # how much was exercised

    @property
    def ok(self) -> bool:
        return all(self.targets.values())

    def line(self) -> str:
        verdict = (
            "ok" if self.ok else "FAIL: " + ", ".join(n for n, ok in self.targets.items() if not ok)
        )
        return f"{self.name:<12}" + " · ".join([*self.figures, verdict])

    def report(self, limit: int = 40) -> str:
        """The line, then the failures (the first `limit` of them)."""
        lines = [self.line()]
        lines += [f"  - {failure}" for failure in self.failures[:limit]]
        if len(self.failures) > limit:
            lines.append(f"  … and {len(self.failures) - limit} more")
        return "\n".join(lines)


def count(number: int) -> str:
    return f"{number:,}"


class _Shown(reprlib.Repr):
    """reprlib's bounded repr, with a long string's length said."""

    def repr_str(self, value: str, level: int) -> str:
        if len(value) <= self.maxstring:
            return repr(value)
        half = self.maxstring // 2
        return f"{value[:half]!r}…({len(value):,} chars)…{value[-half:]!r}"


def short(value: Any, limit: int = 160) -> str:
    """A repr of a value, however big, deep or shared, cut in the middle with its length."""
    if isinstance(value, str):
        text = value
    else:
        shown = _Shown()
        shown.maxlevel, shown.maxlist, shown.maxtuple, shown.maxdict = 4, 6, 6, 6
        shown.maxstring, shown.maxother, shown.maxlong = max(20, limit // 3), limit, 40
        try:
            text = shown.repr(value)
        except Exception:  # an int past Python's digit limit, a repr that fails
            text = f"<{type(value).__name__}>"
    if len(text) <= limit:
        return text
    half = limit // 2
    return f"{text[:half]}…({len(text):,} chars)…{text[-half:]}"


# -- environment and processes -----------------------------------------------------------------


def ecrtui_env(state: Path, **extra: str) -> dict[str, str]:
    """The environment of an `ecrtui` process: dummy AWS, this state directory."""
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("AWS_", "ECRTUI_"))
        and name.lower() not in ("http_proxy", "https_proxy", "no_proxy")
    }
    env.update(DUMMY_ENV)
    env["ECRTUI_STATE_DIR"] = str(state)
    env["ECRTUI_CONFIG_DIR"] = str(state.parent / "config")
    env["PYTHONPATH"] = str(ROOT)
    env.update(extra)
    return env


@dataclass
class Done:
    """A finished `ecrtui` process (returncode None: killed at its deadline)."""

    returncode: int | None
    stdout: str
    stderr: str
    seconds: float

    def json(self) -> Any:
        return json.loads(self.stdout)

    def tail(self, lines: int = 3) -> str:
        kept = [line for line in self.stderr.strip().splitlines() if line.strip()][-lines:]
        return " | ".join(kept)


def ecrtui(args: list[str], env: dict[str, str], timeout: float = 300) -> Done:
    """`python -m ecrtui ARGS`, as an operator runs it."""
    began = time.monotonic()
    process = subprocess.Popen(
        [sys.executable, "-m", "ecrtui", *args],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        cwd=ROOT,
        start_new_session=True,
    )
    try:
        out, err = process.communicate(timeout=timeout)
        code: int | None = process.returncode
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        out, err = process.communicate()
        code = None
    text = (out.decode("utf-8", "replace"), err.decode("utf-8", "replace"))
    return Done(code, text[0], text[1], time.monotonic() - began)


class Backend:
    """`ecrtui local-ecr` in a subprocess on 127.0.0.1, with its /proc figures."""

    def __init__(self, state: Path) -> None:
        self.state = state
        self.process: subprocess.Popen[bytes] | None = None
        self.url = ""
        self._log = state / "local-ecr.log"

    def __enter__(self) -> Backend:
        self.state.mkdir(parents=True, exist_ok=True)
        with self._log.open("wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "ecrtui", "local-ecr", "--host", "127.0.0.1"],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=log,
                env=ecrtui_env(self.state),
                cwd=ROOT,
            )
        assert self.process.stdout is not None
        line = _read_line(self.process.stdout, 60)
        if not line.startswith("http://127.0.0.1:"):
            self.__exit__()
            raise RuntimeError(f"ecrtui local-ecr did not start: {line!r} {self.log_tail()}")
        self.url = line
        return self

    def __exit__(self, *exc: object) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=20)
        if self.process is not None and self.process.stdout is not None:
            self.process.stdout.close()

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def status(self) -> dict[str, int]:
        """VmRSS and VmHWM in KiB, and Threads, from /proc/PID/status."""
        figures: dict[str, int] = {}
        with open(f"/proc/{self.pid}/status") as status:
            for line in status:
                name, _, value = line.partition(":")
                if name in ("VmRSS", "VmHWM", "Threads"):
                    figures[name] = int(value.split()[0])
        return figures

    def log_tail(self, lines: int = 5) -> str:
        try:
            text = self._log.read_text(errors="replace")
        except OSError:
            return ""
        return " | ".join(text.strip().splitlines()[-lines:])

    def client(self, service: str = "ecr") -> Any:
        return client(self.url, service)


def _read_line(stream: Any, timeout: float) -> str:
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(stream.readline()), daemon=True)
    reader.start()
    reader.join(timeout)
    return got[0].decode().strip() if got else ""


def client(url: str, service: str = "ecr") -> Any:
    """A boto3 client for the backend itself (no proxy, no faults)."""
    import boto3
    from botocore.config import Config

    return boto3.client(
        service,
        endpoint_url=url,
        region_name="us-east-1",
        aws_access_key_id=DUMMY_ENV["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=DUMMY_ENV["AWS_SECRET_ACCESS_KEY"],
        config=Config(retries={"max_attempts": 3, "mode": "standard"}, read_timeout=120),
    )


# -- layers and what ECR holds -----------------------------------------------------------------


def write_layer(path: Path, size: int, seed: int) -> str:
    """A file of `size` seeded pseudo-random bytes; its sha256 digest."""
    rng = random.Random(seed)
    digest = hashlib.sha256()
    with path.open("wb") as out:
        left = size
        while left:
            chunk = rng.randbytes(min(left, 4 * MiB))
            digest.update(chunk)
            out.write(chunk)
            left -= len(chunk)
    return "sha256:" + digest.hexdigest()


def file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as source:
        while chunk := source.read(4 * MiB):
            digest.update(chunk)
    return "sha256:" + digest.hexdigest()


def layer_size(ecr: Any, repository: str, digest: str) -> int | None:
    """The size of the layer ECR holds under `digest`, or None (BatchCheckLayerAvailability)."""
    found = ecr.batch_check_layer_availability(repositoryName=repository, layerDigests=[digest])
    for layer in found.get("layers", []):
        if layer.get("layerAvailability") == "AVAILABLE":
            return int(layer["layerSize"])
    return None


def stored_digest(ecr: Any, repository: str, digest: str, size: int) -> str:
    """The sha256 of the bytes ECR serves for the layer. ECR hands out a download URL only for a
    layer an image references, so an image naming it is put first (PutImage), then the layer is
    read from GetDownloadUrlForLayer's URL."""
    descriptor = {"digest": digest, "size": size}
    manifest = {
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", **descriptor},
        "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar", **descriptor}],
    }
    ecr.put_image(repositoryName=repository, imageManifest=json.dumps(manifest))
    url = ecr.get_download_url_for_layer(repositoryName=repository, layerDigest=digest)[
        "downloadUrl"
    ]
    if not url.startswith("http://127.0.0.1:"):
        raise RuntimeError(f"the download URL is not on the loopback: {url}")
    hashed = hashlib.sha256()
    with urllib.request.build_opener(urllib.request.ProxyHandler({})).open(
        url, timeout=120
    ) as body:
        while chunk := body.read(4 * MiB):
            hashed.update(chunk)
    return "sha256:" + hashed.hexdigest()


def ecr_holds(ecr: Any, repository: str, upload_id: str) -> int | None:
    """How many bytes ECR holds of an upload (a part at an offset no upload reaches is refused
    with lastValidByteReceived); None when ECR does not know the upload."""
    from botocore.exceptions import ClientError

    offset = 2**50
    try:
        ecr.upload_layer_part(
            repositoryName=repository,
            uploadId=upload_id,
            partFirstByte=offset,
            partLastByte=offset,
            layerPartBlob=b"",
        )
    except ClientError as error:
        code = error.response["Error"]["Code"]
        if code == "UploadNotFoundException":
            return None
        if code == "InvalidLayerPartException":
            return int(error.response["lastValidByteReceived"]) + 1
        raise
    raise RuntimeError(f"the backend accepted a part at byte 2**50 of upload {upload_id}")


# -- the journal, read directly ----------------------------------------------------------------


def journal_rows(state: Path) -> tuple[str, list[dict[str, Any]]]:
    """PRAGMA integrity_check's answer and every row of the uploads table."""
    path = state / "journal.sqlite3"
    if not path.exists():
        return "ok", []
    db = sqlite3.connect(path, timeout=30)
    try:
        db.row_factory = sqlite3.Row
        integrity = str(db.execute("PRAGMA integrity_check").fetchone()[0])
        rows = [dict(row) for row in db.execute("SELECT * FROM uploads ORDER BY row_id")]
    finally:
        db.close()
    return integrity, rows


def row_problem(row: dict[str, Any]) -> str | None:
    """Why a journal row cannot be read back as an upload, or None."""
    from ecrtui.uploads.journal import Origin, UploadState

    try:
        UploadState(row["state"])
        Origin(row["origin"])
        for column in ("final_response", "part_sizes"):
            if row.get(column):
                json.loads(row[column])
    except (ValueError, TypeError) as error:
        return f"unreadable: {error}"
    size, held = row.get("source_size"), row.get("bytes_confirmed")
    if not isinstance(held, int) or held < 0 or (size is not None and held > size):
        return f"bytes_confirmed {held!r} of {size!r}"
    if row["state"] == "completed" and not row.get("final_response"):
        return "completed without ECR's answer"
    return None


class dummy_environment:
    """This process's environment as the scenarios need it (dummy AWS, loopback only), restored
    on the way out."""

    def __enter__(self) -> None:
        names = [*DUMMY_ENV, "AWS_PROFILE", "AWS_ENDPOINT_URL", "http_proxy", "https_proxy"]
        self.saved = {name: os.environ.get(name) for name in names}
        for name in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "http_proxy", "https_proxy"):
            os.environ.pop(name, None)
        os.environ.update(DUMMY_ENV)

    def __exit__(self, *exc: object) -> None:
        for name, value in self.saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value

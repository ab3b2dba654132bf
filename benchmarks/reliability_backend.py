"""`ecrtui local-ecr` under load: concurrent clients, stalled connections, oversize bodies and
malformed manifests.

The backend runs as a process (its memory and threads read from /proc/PID/status). At once:

- `clients` clients each push, per round, a config blob and a layer (InitiateLayerUpload,
  UploadLayerPart, CompleteLayerUpload), put an image naming them, check the layer, download it
  (its bytes must hash to its digest) and read the manifest through the registry face; like
  botocore they retry a 503 or 429 (after its Retry-After) and a connection closed unanswered;
- `stalled` connections that stop sending (before the request line, in the headers, in a body,
  in a chunked upload) stay open through the load;
- oversize bodies: an UploadLayerPart blob, a body of garbage and a registry manifest, each of
  `oversize_mib` MiB; the backend must refuse them (4xx, or by closing the connection);
- malformed manifests, through PutImage and through registry manifest PUTs: broken JSON, wrong
  types, nesting 100,000 deep, numbers of 5,000 digits, lone surrogates, 4 MiB and more; each
  through both, so the two faces must agree.

Targets: no answer other than 2xx/4xx (a 5xx, or no answer, is an error), every legitimate push
whole, PutImage and the registry face refusing the same manifests, a peak RSS (VmHWM) under
PEAK_LIMIT_MIB, no thread left once the load and its stalled connections are over, and, when
`settle` is given, no stalled connection still held `settle` seconds after it stopped. Which
malformed manifests were accepted is reported (ECR's own verdict on some is not documented).
"""

from __future__ import annotations

import json
import socket
import tempfile
import threading
import time
from pathlib import Path

from benchmarks.reliability_clients import AUTHORIZATION, OCI_MANIFEST, TARGET, Api, Tally, client
from benchmarks.reliability_common import Backend, MiB, Outcome, Scale, count, dummy_environment

# A guard, not a measure of need: one 512 MiB body alone once took 1.6 GB. The full load (200
# clients, malformed manifests of 4 MiB and more, 40 stalled connections) peaks at about 820 MiB.
PEAK_LIMIT_MIB = 1024


# -- stalled connections and oversize bodies -----------------------------------------------------


def _stall(host: str, port: int, how: int) -> socket.socket:
    connection = socket.create_connection((host, port), timeout=10)
    shapes = [
        b"",
        b"POST / HTTP/1.1\r\nHost: x\r\n",
        b'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1048576\r\n\r\n{"repositoryName":',
        b"PATCH /v2/reliability/load-0/blobs/uploads/x HTTP/1.1\r\nHost: x\r\n"
        b"Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n",
    ]
    connection.sendall(shapes[how % len(shapes)])
    return connection


def _held(connection: socket.socket) -> bool:
    """Whether the backend still holds a stalled connection open (no answer, no close)."""
    try:
        connection.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT)
    except BlockingIOError:
        return True
    except OSError:
        return False
    return False  # an answer, or the close: the backend let it go


def _oversize(
    api: Api,
    mib: int,
    what: str,
    head: bytes,
    filler: bytes,
    tail: bytes,
    path: str = "/",
    method: str = "POST",
    headers: str = "",
) -> None:
    """Send a body of `mib` MiB; the backend must refuse it: 4xx, or closing the connection."""
    size = len(head) + mib * MiB + len(tail)
    connection = socket.create_connection((api.host, api.port), timeout=120)
    status: int | None = None
    try:
        request = f"{method} {path} HTTP/1.1\r\nHost: {api.host}\r\n"
        request += f"Content-Length: {size}\r\n{headers}\r\n"
        connection.sendall(request.encode() + head)
        chunk = filler * (MiB // len(filler))
        try:
            for _ in range(mib):
                connection.sendall(chunk)
            connection.sendall(tail)
        except OSError:
            pass  # the backend stopped reading: its answer may be waiting
        answer = b""
        try:
            while b"\r\n" not in answer:
                piece = connection.recv(4096)
                if not piece:
                    break
                answer += piece
        except OSError:
            pass
        if answer.startswith(b"HTTP/"):
            status = int(answer.split(b" ", 2)[1])
    finally:
        connection.close()
    with api.tally.lock:
        api.tally.statuses[f"{status // 100}xx" if status else "closed"] += 1
        if status is not None and not 400 <= status < 500:
            api.tally.errors.append(f"oversize {what} ({mib} MiB): answered {status}")


def _oversize_all(api: Api, mib: int) -> None:
    _, answer = api.call("InitiateLayerUpload", {"repositoryName": "reliability/load-0"})
    upload_id = answer.get("uploadId", "x") if isinstance(answer, dict) else "x"
    target = "X-Amz-Target: " + TARGET
    json_headers = f"Content-Type: application/x-amz-json-1.1\r\nAuthorization: {AUTHORIZATION}\r\n"
    head = (
        json.dumps(
            {
                "repositoryName": "reliability/load-0",
                "uploadId": upload_id,
                "partFirstByte": 0,
                "partLastByte": mib * MiB * 3 // 4 - 1,
            }
        )[:-1].encode()
        + b', "layerPartBlob": "'
    )
    _oversize(
        api,
        mib,
        "UploadLayerPart blob",
        head,
        b"QUFB",
        b'"}',
        headers=json_headers + f"{target}UploadLayerPart\r\n",
    )
    _oversize(
        api,
        mib,
        "body of garbage",
        b"",
        b"x",
        b"",
        headers=json_headers + f"{target}InitiateLayerUpload\r\n",
    )
    registry = f"Authorization: {api.basic}\r\nContent-Type: {OCI_MANIFEST}\r\n"
    _oversize(
        api,
        mib,
        "registry manifest",
        b'{"schemaVersion": 2, "x": "',
        b"x",
        b'"}',
        "/v2/reliability/load-0/manifests/big",
        "PUT",
        registry,
    )


# -- the scenario --------------------------------------------------------------------------------


class _Sampler(threading.Thread):
    def __init__(self, backend: Backend) -> None:
        super().__init__(daemon=True)
        self.backend = backend
        self.peak_threads = 0
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.wait(0.1):
            try:
                self.peak_threads = max(self.peak_threads, self.backend.status()["Threads"])
            except (OSError, KeyError):
                return


def run_backend(scale: Scale, seed: int = 1) -> Outcome:
    began = time.monotonic()
    tally = Tally()
    with (
        dummy_environment(),
        tempfile.TemporaryDirectory(prefix="ecrtui-backend-") as temp,
        Backend(Path(temp)) as backend,
    ):
        api = Api(backend.url, tally)
        _, token = api.call("GetAuthorizationToken", {})
        api.basic = "Basic " + token["authorizationData"][0]["authorizationToken"]
        time.sleep(0.5)
        before = backend.status()
        sampler = _Sampler(backend)
        sampler.start()
        stalled = [_stall(api.host, api.port, n) for n in range(scale.stalled)]
        stalled_at = time.monotonic()
        start = threading.Barrier(scale.clients)
        workers = [
            threading.Thread(target=client, args=(api, n, scale.client_rounds, start, seed))
            for n in range(scale.clients)
        ]
        workers.append(threading.Thread(target=_oversize_all, args=(api, scale.oversize_mib)))
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        held = None
        if scale.settle:
            while time.monotonic() - stalled_at < scale.settle and any(_held(c) for c in stalled):
                time.sleep(0.5)
            held = sum(1 for connection in stalled if _held(connection))
        for connection in stalled:
            connection.close()
        deadline = time.monotonic() + 10
        while backend.status()["Threads"] > before["Threads"] and time.monotonic() < deadline:
            time.sleep(0.2)
        after = backend.status()
        sampler.stop.set()
        alive = backend.alive()
        if not alive:
            tally.errors.append(f"the backend died: {backend.log_tail()}")
    peak = after["VmHWM"] / 1024
    answered = sum(tally.statuses.values())
    failures = list(tally.errors) + tally.broken_flows + sorted(set(tally.disagreements))
    accepted = ", ".join(sorted(set(tally.accepted_malformed))) or "none"
    retried = ", ".join(f"{count(n)} {why}" for why, n in sorted(tally.retried.items()))
    threads = (
        f"{after['Threads']} left ({before['Threads']} before, {sampler.peak_threads} at most)"
    )
    figures = [
        f"{scale.clients} clients, {count(answered)} requests ({retried or 'none'} retried)",
        f"{len(tally.errors)} errors other than 4xx",
        f"{tally.flows}/{scale.clients * scale.client_rounds} pushes whole",
        f"malformed manifests: {tally.refused_malformed} refused, "
        f"{len(tally.accepted_malformed)} accepted ({accepted})",
        f"peak RSS {peak:,.0f} MiB",
        f"threads {threads}",
    ]
    targets = {
        "no error but 4xx": not tally.errors and alive,
        "every push whole": not tally.broken_flows,
        "API and registry agree on manifests": not tally.disagreements,
        f"peak RSS under {PEAK_LIMIT_MIB} MiB": peak <= PEAK_LIMIT_MIB,
        "no thread left": after["Threads"] <= before["Threads"],
    }
    if held is not None:
        figures.append(f"{held}/{len(stalled)} stalled connections held after {scale.settle:.0f} s")
        targets["stalled connections dropped"] = held == 0
    outcome = Outcome("backend", figures, targets, failures)
    outcome.numbers = {
        "requests": answered,
        "pushes": tally.flows,
        "malformed": tally.refused_malformed + len(tally.accepted_malformed),
    }
    outcome.seconds = time.monotonic() - began
    return outcome

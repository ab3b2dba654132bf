"""The demo registry: believable repositories, images with real layers, and stuck uploads.

Everything is created with the same calls a client makes, through the backend's own request
handling (`ecrtui.local.in_process`: no socket, no botocore), so the seeded state obeys the same
rules as anything an operator does later, and the CloudTrail holds every call. `seed_demo` returns
a description of the uploads it left in flight (what each one is, the digest and size of the file
it came from, how many bytes ECR holds), so the console can show them in demo mode; the
description travels as JSON (`registry_to_json`) from a backend in another process.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import random
import struct
import tarfile
import zlib
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ecrtui import __version__
from ecrtui.ecr.limits import DEFAULT_PART_SIZE, MIN_PART_SIZE, MiB, size_words

if TYPE_CHECKING:
    from ecrtui.local.in_process import InProcessClient
    from ecrtui.local.server import LocalEcr

REGION = "us-east-1"
# Who the seed's own calls come from, in the CloudTrail; the local backend ignores credentials.
SEED_USER_AGENT = f"ecrtui/{__version__} (demo seed)"  # discovery names it "ecrtui X"
SEED_ACCESS_KEY_ID = "ECRTUIDEMO"
# A layer's file is random bytes in blocks of this size, repeated (see `layer_bytes`).
LAYER_BLOCK = 64 * 1024

LAYER_MEDIA_TYPE = "application/vnd.docker.image.rootfs.diff.tar.gzip"
CONFIG_MEDIA_TYPE = "application/vnd.docker.container.image.v1+json"
MANIFEST_MEDIA_TYPE = "application/vnd.docker.distribution.manifest.v2+json"


@dataclass(frozen=True)
class DemoUpload:
    """An upload the demo seed left in flight.

    expected_error: what CompleteLayerUpload with the file's digest answers now (None: success).
    """

    situation: str
    summary: str
    repository: str
    upload_id: str
    file_digest: str
    file_size: int
    bytes_uploaded: int
    part_sizes: tuple[int, ...]
    expected_error: str | None
    source: Path | None = None
    sent_digest: str | None = None  # the sha256 of the bytes ECR holds

    @property
    def complete(self) -> bool:
        """ECR holds every byte of the file."""
        return self.bytes_uploaded == self.file_size


@dataclass(frozen=True)
class DemoImage:
    repository: str
    tag: str
    layer_digests: tuple[str, ...]


@dataclass(frozen=True)
class DemoRegistry:
    endpoint_url: str
    region: str
    repositories: tuple[str, ...]
    images: tuple[DemoImage, ...]
    uploads: tuple[DemoUpload, ...]
    # left by a registry client through /v2/: in ECR (and its CloudTrail), in no journal
    left_by_clients: tuple[ClientUpload, ...] = ()

    def upload(self, situation: str) -> DemoUpload:
        return next(u for u in self.uploads if u.situation == situation)

    def left_by(self, situation: str) -> ClientUpload:
        return next(u for u in self.left_by_clients if u.situation == situation)


@dataclass(frozen=True)
class ClientUpload:
    """An upload a registry client (here, "docker") left in flight through the registry face.

    last_status: the HTTP status of the client's last request (400: its final PUT failed)."""

    situation: str
    repository: str
    upload_id: str
    user_agent: str
    bytes_uploaded: int
    chunk_sizes: tuple[int, ...]
    last_status: int
    last_error: str | None


DOCKER_USER_AGENT = (
    "docker/27.3.1 go/go1.22.7 git-commit/41ca978 kernel/6.8.0-49-generic os/linux arch/amd64 "
    "UpstreamClient(Docker-Client/27.3.1 \\(linux\\))"
)


# name, tag mutability, scan on push, encryption
REPOSITORIES: tuple[tuple[str, str, bool, str], ...] = (
    ("team/api", "IMMUTABLE", True, "AES256"),
    ("team/web", "MUTABLE", True, "AES256"),
    ("team/worker", "MUTABLE", False, "AES256"),
    ("ml/trainer", "MUTABLE", False, "KMS"),
    ("ml/inference", "IMMUTABLE", True, "KMS"),
    ("base/python", "IMMUTABLE", True, "AES256"),
    ("base/node", "IMMUTABLE", True, "AES256"),
    ("base/debian-slim", "IMMUTABLE", False, "AES256"),
    ("platform/ingress-nginx", "MUTABLE", True, "AES256"),
    ("platform/otel-collector", "MUTABLE", False, "AES256"),
    ("data/etl-jobs", "MUTABLE", False, "AES256"),
    ("payments/ledger", "IMMUTABLE", True, "KMS"),
)

# repository, tag, sizes of its layers (the first is a base layer shared by images of one repo)
IMAGES: tuple[tuple[str, str, tuple[int, ...]], ...] = (
    ("base/python", "3.12-slim", (1_400_000, 600_000)),
    ("base/python", "3.13-slim", (1_400_000, 700_000)),
    ("base/node", "22-bookworm", (1_300_000, 900_000)),
    ("team/api", "v1.4.1", (1_400_000, 500_000, 250_000)),
    ("team/api", "v1.4.2", (1_400_000, 500_000, 260_000)),
    ("team/web", "2026.11.3", (1_300_000, 800_000)),
    ("payments/ledger", "v3.0.0", (1_200_000, 400_000)),
)


def seed_demo(
    backend: LocalEcr,
    files_dir: Path | None = None,
    sources: SourceFiles | None = None,
    uploads_left: Callable[[DemoRegistry], None] | None = None,
) -> DemoRegistry:
    """Fill a running backend with the demo registry.

    With `files_dir`, the source file of each in-flight upload is written there, so uploads can be
    resumed or re-pushed from disk. `sources`: those files, if they are being made already
    (`SourceFiles(files_dir)`). `uploads_left` is handed the registry as it is once the seed's
    own uploads are left in flight; the uploads a registry client leaves come next (a console
    finds those in CloudTrail, not in the description).
    """
    sources = sources if sources is not None else SourceFiles(files_dir)
    client = backend.in_process_client(SEED_USER_AGENT, SEED_ACCESS_KEY_ID, REGION)
    for name, mutability, scan, encryption in REPOSITORIES:
        client.call(
            "CreateRepository",
            {
                "repositoryName": name,
                "imageTagMutability": mutability,
                "imageScanningConfiguration": {"scanOnPush": scan},
                "encryptionConfiguration": {"encryptionType": encryption},
            },
        )
    pushed: Pushed = {}
    images = tuple(_push_image(client, repo, tag, sizes, pushed) for repo, tag, sizes in IMAGES)
    registry = DemoRegistry(
        endpoint_url=backend.endpoint_url,
        region=REGION,
        repositories=tuple(name for name, *_ in REPOSITORIES),
        images=images,
        uploads=_stuck_uploads(client, sources),
    )
    if uploads_left is not None:
        uploads_left(registry)
    return dataclasses.replace(registry, left_by_clients=_left_by_docker(client))


def layer_bytes(name: str, size: int) -> bytes:
    """A real gzip-compressed tar layer of about `size` bytes, the same for the same name.

    The tar holds one file of `size` bytes: a block of random bytes drawn for this name and size,
    repeated; the gzip stream stores it uncompressed. The stream is put together in one pass,
    from views of the tar's pieces, so the demo's ~80 MB of layers are made in a few tens of
    milliseconds, and their size on the wire is the size they say."""
    block = random.Random(f"{name}:{size}").randbytes(min(size, LAYER_BLOCK))
    info = tarfile.TarInfo(f"opt/{name.replace('/', '-')}/data.bin")
    info.size, info.mtime, info.mode = size, 1_700_000_000, 0o644
    header = info.tobuf(tarfile.USTAR_FORMAT, "utf-8", "surrogateescape")
    # as tarfile writes it: the header, the file padded to a block, two empty blocks, all
    # padded to a whole record
    ending = -size % tarfile.BLOCKSIZE + 2 * tarfile.BLOCKSIZE
    ending += -(len(header) + size + ending) % tarfile.RECORDSIZE
    # the file's bytes from any offset, for as long as a stored deflate block
    repeated = memoryview(block * (-(-STORED_BLOCK // max(len(block), 1)) + 1))
    segments: tuple[tuple[int, Callable[[int, int], memoryview]], ...] = (
        (len(header), lambda start, end: memoryview(header)[start:end]),
        (size, lambda start, end: repeated[start % len(block) :][: end - start]),
        (ending, lambda start, end: memoryview(bytes(end - start))),
    )
    pieces: list[memoryview] = []
    for length, view in segments:
        pieces += (
            view(start, min(start + STORED_BLOCK, length))
            for start in range(0, length, STORED_BLOCK)
        )
    return stored_gzip(pieces)


STORED_BLOCK = 0xFFFF  # the most a stored deflate block holds


def stored_gzip(pieces: list[memoryview]) -> bytes:
    """The bytes of `pieces`, one after the other, as a gzip stream of stored (uncompressed)
    deflate blocks, mtime 0; made with one copy of the bytes."""
    out: list[bytes | memoryview] = [b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"]
    crc = length = 0
    block: list[memoryview] = []
    filled = 0

    def flush(final: bool) -> None:
        nonlocal filled
        out.append(struct.pack("<BHH", final, filled, filled ^ 0xFFFF))
        out.extend(block)
        block.clear()
        filled = 0

    for piece in pieces:
        crc, length = zlib.crc32(piece, crc), length + len(piece)
        while piece:
            if filled == STORED_BLOCK:
                flush(final=False)
            taken = piece[: STORED_BLOCK - filled]
            block.append(taken)
            filled += len(taken)
            piece = piece[len(taken) :]
    flush(final=True)
    out.append(struct.pack("<II", crc, length & 0xFFFFFFFF))
    return b"".join(out)


def sha256_digest(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def _send(client: InProcessClient, repository: str, data: bytes, part_sizes: list[int]) -> str:
    """Initiate an upload and send `data` in parts of these sizes; returns the upload id."""
    initiated = client.call("InitiateLayerUpload", {"repositoryName": repository})
    upload_id = str(initiated["uploadId"])
    offset, view = 0, memoryview(data)  # each part a view: no copy of its bytes
    for size in part_sizes:
        client.call(
            "UploadLayerPart",
            {
                "repositoryName": repository,
                "uploadId": upload_id,
                "partFirstByte": offset,
                "partLastByte": offset + size - 1,
                "layerPartBlob": view[offset : offset + size],
            },
        )
        offset += size
    return upload_id


def _parts(total: int, part_size: int = DEFAULT_PART_SIZE) -> list[int]:
    return [min(part_size, total - start) for start in range(0, total, part_size)]


def _push_blob(client: InProcessClient, repository: str, data: bytes) -> str:
    digest = sha256_digest(data)
    upload_id = _send(client, repository, data, _parts(len(data)))
    client.call(
        "CompleteLayerUpload",
        {"repositoryName": repository, "uploadId": upload_id, "layerDigests": [digest]},
    )
    return digest


# (repository, layer name) -> the layer's size and digest: what the seed pushed already
Pushed = dict[tuple[str, str], tuple[int, str]]


def _push_image(
    client: InProcessClient, repository: str, tag: str, sizes: tuple[int, ...], pushed: Pushed
) -> DemoImage:
    """Push the image's layers the repository does not have yet (the seed knows which it
    pushed: a base layer is shared by the images of a repository), its config and manifest."""
    layers = []
    for index, size in enumerate(sizes):
        name = f"{repository}:base" if index == 0 else f"{repository}:{tag}:{index}"
        if (repository, name) not in pushed:
            data = layer_bytes(name, size)
            pushed[repository, name] = len(data), _push_blob(client, repository, data)
        length, digest = pushed[repository, name]
        layers.append({"mediaType": LAYER_MEDIA_TYPE, "size": length, "digest": digest})
    config = json.dumps(
        {
            "architecture": "amd64",
            "os": "linux",
            "config": {"Labels": {"org.opencontainers.image.version": tag}},
            "rootfs": {"type": "layers", "diff_ids": [layer["digest"] for layer in layers]},
        },
        sort_keys=True,
    ).encode()
    manifest = {
        "schemaVersion": 2,
        "mediaType": MANIFEST_MEDIA_TYPE,
        "config": {
            "mediaType": CONFIG_MEDIA_TYPE,
            "size": len(config),
            "digest": _push_blob(client, repository, config),
        },
        "layers": layers,
    }
    client.call(
        "PutImage",
        {
            "repositoryName": repository,
            "imageTag": tag,
            "imageManifest": json.dumps(manifest, indent=3),
            "imageManifestMediaType": MANIFEST_MEDIA_TYPE,
        },
    )
    return DemoImage(repository, tag, tuple(str(layer["digest"]) for layer in layers))


@dataclass(frozen=True)
class StuckUpload:
    """An upload the seed leaves in flight: the layer its file holds, and the parts sent."""

    situation: str
    summary: str
    repository: str
    layer: str  # its name for `layer_bytes`
    size: int
    parts: Callable[[int], list[int]]  # the sizes of the parts sent, given the file's size
    expected_error: str | None
    flip_a_bit: bool = False  # the middle byte sent differs from the file's in one bit


STUCK_UPLOADS = (
    StuckUpload(
        "ready",
        "every part is in; complete it with the file's digest",
        "team/api",
        "team/api:v1.5.0:1",
        12 * MiB,
        _parts,
        None,
    ),
    StuckUpload(
        "small-middle-part",
        f"the middle part is under {size_words(MIN_PART_SIZE)}, so ECR will never complete this "
        "upload",
        "team/worker",
        "team/worker:v7:1",
        9 * MiB,
        lambda size: [6 * MiB, 1 * MiB, size - 7 * MiB],
        "LayerPartTooSmallException",
    ),
    StuckUpload(
        "no-parts",
        "initiated, but no part was ever sent",
        "ml/trainer",
        "ml/trainer:cuda12:1",
        3 * MiB,
        lambda size: [],
        "EmptyUploadException",
    ),
    StuckUpload(
        "digest-mismatch",
        "one bit changed on the way, so ECR's digest will not match the file's",
        "team/web",
        "team/web:2026.11.4:1",
        2 * MiB,
        lambda size: [size],
        "InvalidLayerException",
        flip_a_bit=True,
    ),
    StuckUpload(
        "already-exists",
        "a second push of a layer the repository already has",
        "base/python",
        "base/python:base",
        1_400_000,
        lambda size: [size],
        "LayerAlreadyExistsException",
    ),
    StuckUpload(
        "interrupted",
        "the push stopped after the first 10 MiB part; resume it from byte 10485760",
        "data/etl-jobs",
        "data/etl-jobs:nightly:1",
        14 * MiB,
        lambda size: [10 * MiB],
        "InvalidLayerException",
    ),
)


@dataclass(frozen=True)
class SourceFile:
    """A stuck upload's file: its bytes, the bytes sent, where it was written, its digests."""

    data: bytes
    sent: bytes
    path: Path | None
    digest: str = ""
    sent_digest: str = ""  # of the part of it ECR holds


class SourceFiles:
    """The files the stuck uploads came from, made, written to `files_dir` (if any) and hashed
    on a thread of their own. Writing and hashing release the GIL, so the demo backend starts
    this before it imports moto (`ecrtui.local.demo_backend`), and the seed's calls go on
    meanwhile."""

    def __init__(self, files_dir: Path | None) -> None:
        self.files_dir = files_dir
        pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="demo-files")
        # the bytes of every file first, as the seed's calls need them; then the files
        self._made = {stuck.situation: pool.submit(self._make, stuck) for stuck in STUCK_UPLOADS}
        self._written = {
            situation: pool.submit(self._write, situation, made)
            for situation, made in self._made.items()
        }
        pool.shutdown(wait=False)  # its thread ends after the last file

    def made(self, situation: str) -> SourceFile:
        """The bytes of the file and of what is sent (waits for them)."""
        return self._made[situation].result()

    def written(self, situation: str) -> SourceFile:
        """The file, written and hashed (waits for it)."""
        return self._written[situation].result()

    def _make(self, stuck: StuckUpload) -> SourceFile:
        data = layer_bytes(stuck.layer, stuck.size)
        sent = data
        if stuck.flip_a_bit:
            flipped = bytearray(data)
            flipped[len(flipped) // 2] ^= 0x01
            sent = bytes(flipped)
        return SourceFile(data, sent, None)

    def _write(self, situation: str, made: Future[SourceFile]) -> SourceFile:
        file = made.result()
        path = None
        if self.files_dir is not None:
            self.files_dir.mkdir(parents=True, exist_ok=True)
            path = self.files_dir / f"{situation}.tar.gz"
            path.write_bytes(file.data)
        stuck = next(stuck for stuck in STUCK_UPLOADS if stuck.situation == situation)
        held = file.sent[: sum(stuck.parts(len(file.data)))]
        digest = sha256_digest(file.data)
        sent_digest = digest if held is file.data else sha256_digest(held)
        return dataclasses.replace(file, path=path, digest=digest, sent_digest=sent_digest)


def _stuck_uploads(client: InProcessClient, sources: SourceFiles) -> tuple[DemoUpload, ...]:
    upload_ids = []
    for stuck in STUCK_UPLOADS:
        made = sources.made(stuck.situation)
        parts = stuck.parts(len(made.data))
        upload_ids.append(_send(client, stuck.repository, made.sent, parts))
    uploads = []
    for stuck, upload_id in zip(STUCK_UPLOADS, upload_ids, strict=True):
        file = sources.written(stuck.situation)
        parts = stuck.parts(len(file.data))
        uploads.append(
            DemoUpload(
                situation=stuck.situation,
                summary=stuck.summary,
                repository=stuck.repository,
                upload_id=upload_id,
                file_digest=file.digest,
                file_size=len(file.data),
                bytes_uploaded=sum(parts),
                part_sizes=tuple(parts),
                expected_error=stuck.expected_error,
                source=file.path,
                sent_digest=file.sent_digest,
            )
        )
    return tuple(uploads)


# -- uploads left by a registry client -------------------------------------------------------------


def _left_by_docker(client: InProcessClient) -> tuple[ClientUpload, ...]:
    """Two uploads "docker" left through the registry face: one abandoned half-way (one PATCH of
    a 12 MiB layer, then nothing), and one whose 2 MiB middle chunk made the final PUT fail."""
    token = client.call("GetAuthorizationToken", {})["authorizationData"][0]["authorizationToken"]
    registry = _Registry(client, str(token))
    left = []

    abandoned = layer_bytes("docker-abandoned", 12 * MiB)
    location, _ = registry.send("POST", "/v2/platform/otel-collector/blobs/uploads/")
    registry.send("PATCH", location, abandoned[: 7 * MiB])
    left.append(
        ClientUpload(
            "docker-abandoned",
            "platform/otel-collector",
            location.rsplit("/", 1)[-1],
            DOCKER_USER_AGENT,
            7 * MiB,
            (7 * MiB,),
            201,
            None,
        )
    )

    chunks = (6 * MiB, 2 * MiB, 3 * MiB)
    layer = layer_bytes("docker-small-chunk", sum(chunks))
    location, _ = registry.send("POST", "/v2/ml/inference/blobs/uploads/")
    offset = 0
    for size in chunks:
        registry.send("PATCH", location, layer[offset : offset + size])
        offset += size
    _, status = registry.send("PUT", f"{location}?digest={sha256_digest(layer)}", expect_error=True)
    left.append(
        ClientUpload(
            "docker-small-chunk",
            "ml/inference",
            location.rsplit("/", 1)[-1],
            DOCKER_USER_AGENT,
            sum(chunks),
            chunks,
            status,
            "LayerPartTooSmallException",
        )
    )
    return tuple(left)


class _Registry:
    """Just enough of a registry client for the seed: Basic auth, docker's user agent."""

    def __init__(self, client: InProcessClient, token: str) -> None:
        self.client = client
        self.headers = {"Authorization": f"Basic {token}", "User-Agent": DOCKER_USER_AGENT}

    def send(
        self, method: str, path: str, body: bytes = b"", expect_error: bool = False
    ) -> tuple[str, int]:
        """(the Location answered, the status)."""
        from ecrtui.local.in_process import header

        status, headers, answer = self.client.request(method, path, body, self.headers)
        if status >= 400 and not expect_error:
            raise RuntimeError(f"{method} {path}: {status} {answer[:200]!r}")
        return header(headers, "Location"), status


# -- the description, as JSON --------------------------------------------------------------------


def registry_to_json(registry: DemoRegistry) -> str:
    """The description as one line of JSON (paths as text)."""
    return json.dumps(dataclasses.asdict(registry), default=str)


def registry_from_json(text: str) -> DemoRegistry:
    """The description `registry_to_json` wrote."""
    data = json.loads(text)

    def upload(item: dict[str, Any]) -> DemoUpload:
        source = item.pop("source")
        return DemoUpload(
            **{**item, "part_sizes": tuple(item["part_sizes"])},
            source=Path(source) if source is not None else None,
        )

    return DemoRegistry(
        endpoint_url=data["endpoint_url"],
        region=data["region"],
        repositories=tuple(data["repositories"]),
        images=tuple(
            DemoImage(i["repository"], i["tag"], tuple(i["layer_digests"])) for i in data["images"]
        ),
        uploads=tuple(upload(item) for item in data["uploads"]),
        left_by_clients=tuple(
            ClientUpload(**{**item, "chunk_sizes": tuple(item["chunk_sizes"])})
            for item in data["left_by_clients"]
        ),
    )

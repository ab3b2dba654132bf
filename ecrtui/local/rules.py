"""The layer-upload rules of the real ECR service, over state the local backend keeps.

moto serves ECR's wire protocol and keeps repositories and images; this module decides what the
layer-upload calls answer, following the real service's documented and observed behaviour. It has
no moto import: `moto_bridge` hands it moto's repository objects, which carry the two dictionaries
used here (`uploads` and `layers`), and turns `EcrError` into moto's error type.

Upload bytes never sit in memory: each upload is spilled to a file in the `LayerStore` directory and
hashed as the parts arrive; a completed layer is renamed into the store under its digest.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import re
import threading
import time
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from ecrtui.ecr.limits import (
    DEFAULT_PART_SIZE,
    MAX_LAYER_SIZE,
    MAX_PART_SIZE,
    MAX_PARTS,
    MIN_PART_SIZE,
    MiB,
)
from ecrtui.local import scratch
from ecrtui.local.manifests import InvalidManifest, parse_manifest

SHA256_DIGEST = re.compile(r"sha256:[a-f0-9]{64}")
LAYER_MEDIA_TYPE = "application/vnd.docker.image.rootfs.diff.tar.gzip"


@dataclass(frozen=True)
class BackendSettings:
    """What the real service leaves undocumented, as settings (spec section 8).

    upload_ttl: seconds of inactivity after which an upload id is forgotten (None: never).
        UNCONFIRMED in the real service.
    max_part_size: largest accepted part. The model allows 20 MiB, the quota page says 10 MiB;
        10 MiB is the default, as that is what ECR's own partSize advertises.
    unreferenced_layers_available: whether BatchCheckLayerAvailability reports a completed layer
        that no image references as AVAILABLE. UNCONFIRMED; docker's HEAD check suggests it does.
    trail_upload_id: which CloudTrail fields carry the upload id of the three layer calls:
        "request-and-response" (InitiateLayerUpload's responseElements, the parameters of
        UploadLayerPart and CompleteLayerUpload) or "errors-only" (only error messages that quote
        it). UNCONFIRMED: no published layer-call event (spec section 5).
    trail_delay: seconds before an event shows in LookupEvents. CloudTrail promises only "an
        average of about 5 minutes"; 0 by default, so a demo or test sees its calls at once.
    trail_rate_limit: LookupEvents requests a second before ThrottlingException (None: no
        limit). CloudTrail documents 2 a second per account and Region; how bursts count is not.
    registry_missing_repository: a push (POST) into a repository that does not exist: "404"
        answers NAME_UNKNOWN (docker/cli#5275, 2024); "eof" drops the connection with no answer,
        as reported in 2023 (containers-roadmap#1970). UNCONFIRMED which applies now.
    registry_upload_status: the upload status GET: "204" with Range and Location, as the OCI
        spec says; "404" answers BLOB_UPLOAD_UNKNOWN. UNCONFIRMED (no evidence either way).
    registry_upload_cancel: the upload DELETE: "204" forgets the upload and its bytes; "404"
        keeps it and answers BLOB_UPLOAD_UNKNOWN. UNCONFIRMED.
    registry_patch_parts: how one PATCH maps onto UploadLayerPart: "one" part per PATCH,
        however large (ECR accepts 64 MiB and 100 MiB PATCHes), or "split" into parts of
        `max_part_size`. UNCONFIRMED.
    registry_blob_mounting: ECR's BLOB_MOUNTING registry setting: on, a mount succeeds when an
        image of the source repository references the blob; off, every mount opens an upload.

    What keeps one misbehaving client from taking the backend down (not ECR behaviour):

    max_layer_size: the largest layer the registry face takes in (ECR's quota, 52,000 MiB); a PATCH
        or PUT that would take an upload past it gets 413 before its bytes are read.
    request_timeout: seconds a connection may wait for the client's next bytes (the request line,
        a header, the body) before it is dropped.
    max_connections: connections served at once, one thread each; another connection gets 503
        with Retry-After at once, and the threads go when their connections end.
    cors_origin: the one browser origin allowed to call the backend (CORS headers for it, its
        preflights answered); None: a request carrying any Origin header gets 403.
    """

    upload_ttl: float | None = None
    part_size: int = DEFAULT_PART_SIZE
    min_part_size: int = MIN_PART_SIZE
    max_part_size: int = MAX_PART_SIZE
    max_parts: int = MAX_PARTS
    unreferenced_layers_available: bool = True
    upload_id_seed: int | None = None  # fixed upload ids, for reproducible demos and pictures
    # CloudTrail (spec section 5): what no published event confirms
    trail_upload_id: str = "request-and-response"
    trail_delay: float = 0.0
    trail_rate_limit: float | None = 2.0
    # the registry face (spec section 10): what no source confirms
    registry_missing_repository: str = "404"
    registry_upload_status: str = "204"
    registry_upload_cancel: str = "204"
    registry_patch_parts: str = "one"
    registry_blob_mounting: bool = True
    # limits of the HTTP server itself
    max_layer_size: int = MAX_LAYER_SIZE
    request_timeout: float = 30.0
    max_connections: int = 64
    cors_origin: str | None = None


class EcrError(Exception):
    """An ECR service error: the exception name, the message and any extra members."""

    def __init__(self, code: str, message: str, **fields: Any) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.fields = fields


class Repository(Protocol):
    """The part of a repository the rules need; moto's Repository has these attributes."""

    name: str
    registry_id: str
    uploads: dict[str, Any]
    layers: dict[str, int]


@dataclass
class LayerUpload:
    """One upload in progress: where its bytes are spilled and what has been received."""

    upload_id: str
    registry_id: str
    repository_name: str
    path: Path
    created_at: float
    last_activity: float
    received: int = 0
    part_sizes: list[int] = field(default_factory=list)
    sha256: Any = field(default_factory=hashlib.sha256)
    receiving: bool = False  # a part is streaming in from the registry face
    first_patch_end: int | None = None  # what the registry face's Range header keeps saying

    @property
    def last_byte_received(self) -> int:
        """The inclusive offset of the last stored byte; -1 before the first part."""
        return self.received - 1


class LayerStore:
    """A directory holding upload spill files and completed layers, removed by `close`.

    Without a root, it is a private scratch directory named for this process (see
    `ecrtui.local.scratch`), so it goes when the process exits even if `close` is never called,
    and a later start removes it if the process was killed.
    """

    def __init__(self, root: Path | None = None) -> None:
        self.root = root or scratch.scratch_dir("local-ecr")
        (self.root / "uploads").mkdir(parents=True, exist_ok=True)
        (self.root / "layers").mkdir(parents=True, exist_ok=True)

    def upload_path(self, upload_id: str) -> Path:
        return self.root / "uploads" / upload_id

    def layer_path(self, digest: str) -> Path:
        return self.root / "layers" / digest.replace(":", "-")

    def close(self) -> None:
        scratch.remove(self.root)


def referenced_digests(manifests: Iterable[str]) -> set[str]:
    """Digests of every layer and config blob named by these image manifests."""
    digests: set[str] = set()
    for text in manifests:
        try:
            manifest = json.loads(text)
        except (TypeError, ValueError):
            continue
        if not isinstance(manifest, dict):
            continue
        layers = manifest.get("layers")
        blobs = [manifest.get("config"), *(layers if isinstance(layers, list) else [])]
        digests.update(
            b["digest"] for b in blobs if isinstance(b, dict) and isinstance(b.get("digest"), str)
        )
    return digests


def manifest_error(rule: str) -> EcrError:
    """PutImage's InvalidParameterException about the manifest, in ECR's wording."""
    return EcrError(
        "InvalidParameterException",
        f"Invalid parameter at 'ImageManifest' failed to satisfy constraint: '{rule}'",
    )


def check_manifest(text: str) -> dict[str, Any]:
    """An image manifest as a JSON object, or InvalidParameterException (`parse_manifest`)."""
    try:
        return parse_manifest(text)
    except InvalidManifest as error:
        raise manifest_error(error.rule) from None


class LayerRules:
    """The five layer calls, as the real service answers them."""

    def __init__(self, store: LayerStore, settings: BackendSettings) -> None:
        self.store = store
        self.settings = settings
        self._lock = threading.Lock()
        self._ids = random.Random(settings.upload_id_seed)

    def _new_upload_id(self) -> str:
        if self.settings.upload_id_seed is None:
            return str(uuid.uuid4())
        return str(uuid.UUID(int=self._ids.getrandbits(128), version=4))

    # -- InitiateLayerUpload ------------------------------------------------------------------

    def initiate(self, repository: Repository) -> dict[str, Any]:
        with self._lock:
            self._forget_expired(repository)
            upload_id = self._new_upload_id()
            path = self.store.upload_path(upload_id)
            path.touch()
            now = time.time()
            repository.uploads[upload_id] = LayerUpload(
                upload_id, repository.registry_id, repository.name, path, now, now
            )
        return {"uploadId": upload_id, "partSize": self.settings.part_size}

    # -- UploadLayerPart ----------------------------------------------------------------------

    def upload_part(
        self,
        repository: Repository,
        upload_id: str,
        first: int,
        last: int,
        blob: bytes | memoryview,
    ) -> dict[str, Any]:
        with self._lock:
            upload = self._find(repository, upload_id)
            expected = upload.received

            def invalid(message: str) -> EcrError:
                return EcrError(
                    "InvalidLayerPartException",
                    message,
                    registryId=repository.registry_id,
                    repositoryName=repository.name,
                    uploadId=upload_id,
                    lastValidByteReceived=upload.last_byte_received,
                )

            if first != expected:
                raise invalid(f"First byte of the layer part is {first} instead of {expected}")
            if last - first + 1 != len(blob):
                raise invalid(
                    f"Last byte of the layer part is {last}, but a part of {len(blob)} bytes "
                    f"starting at byte {first} ends at byte {first + len(blob) - 1}"
                )
            if len(blob) > self.settings.max_part_size:
                raise invalid(
                    f"The layer part is {len(blob)} bytes, more than the maximum layer part size "
                    f"of {self.settings.max_part_size} bytes"
                )
            if len(upload.part_sizes) >= self.settings.max_parts:
                raise EcrError(
                    "LimitExceededException",
                    f"The upload with id '{upload_id}' already has {len(upload.part_sizes)} layer "
                    f"parts, the maximum number of layer parts per layer",
                )
            with upload.path.open("ab") as spill:
                spill.write(blob)
            upload.sha256.update(blob)
            upload.received += len(blob)
            upload.part_sizes.append(len(blob))
            upload.last_activity = time.time()
            return {
                "registryId": repository.registry_id,
                "repositoryName": repository.name,
                "uploadId": upload_id,
                "lastByteReceived": upload.last_byte_received,
            }

    def receive_part(
        self, repository: Repository, upload_id: str, first: int, chunks: Iterable[bytes]
    ) -> dict[str, Any]:
        """One part streamed from the registry face (a PATCH, or the body of the final PUT).

        As ECR's registry proxy does, no part-size cap applies here (64 MiB and 100 MiB PATCHes
        are accepted); the 5 MiB floor still applies at completion. The bytes go straight to the
        spill file; a part cut short is rolled back, so the upload keeps what it held before."""
        with self._lock:
            upload = self._find(repository, upload_id)
            if first != upload.received:
                raise EcrError(
                    "InvalidLayerPartException",
                    f"First byte of the layer part is {first} instead of {upload.received}",
                    lastValidByteReceived=upload.last_byte_received,
                )
            if len(upload.part_sizes) >= self.settings.max_parts:
                raise EcrError(
                    "LimitExceededException",
                    f"The upload with id '{upload_id}' already has {len(upload.part_sizes)} layer "
                    f"parts, the maximum number of layer parts per layer",
                )
            if upload.receiving:
                raise EcrError(
                    "InvalidLayerPartException",
                    f"The upload with id '{upload_id}' is already receiving a part",
                    lastValidByteReceived=upload.last_byte_received,
                )
            upload.receiving = True
        sha256 = upload.sha256.copy()
        size = 0
        try:
            with upload.path.open("ab") as spill:
                for chunk in chunks:
                    spill.write(chunk)
                    sha256.update(chunk)
                    size += len(chunk)
        except BaseException:
            with upload.path.open("ab") as spill:
                spill.truncate(upload.received)
            raise
        finally:
            upload.receiving = False
        with self._lock:
            if size:
                upload.sha256 = sha256
                upload.received += size
                upload.part_sizes.append(size)
            upload.last_activity = time.time()
            return {"uploadId": upload_id, "lastByteReceived": upload.last_byte_received}

    def upload_of(self, repository: Repository, upload_id: str) -> LayerUpload:
        """The upload with this id, or UploadNotFoundException."""
        with self._lock:
            return self._find(repository, upload_id)

    def cancel(self, repository: Repository, upload_id: str) -> None:
        """Forget an upload and its bytes (the registry face's DELETE)."""
        with self._lock:
            upload = self._find(repository, upload_id)
            upload.path.unlink(missing_ok=True)
            del repository.uploads[upload_id]

    def mount(self, repository: Repository, source: Any, digest: str) -> bool:
        """Make a layer of `source` available in `repository`, as ECR's blob mount does: only
        when an image of `source` references it."""
        with self._lock:
            if digest not in source.layers:
                return False
            referenced = referenced_digests(image.image_manifest for image in source.images)
            if digest not in referenced:
                return False
            repository.layers.setdefault(digest, source.layers[digest])
            return True

    # -- CompleteLayerUpload ------------------------------------------------------------------

    def complete(
        self, repository: Repository, upload_id: str, layer_digests: list[str]
    ) -> dict[str, Any]:
        """Checks in the order of spec section 8; the upload is consumed only on success."""
        with self._lock:
            upload = self._find(repository, upload_id)
            where = (
                f"in the repository with name '{repository.name}' "
                f"in registry with id '{repository.registry_id}'"
            )
            if not upload.part_sizes:
                raise EcrError(
                    "EmptyUploadException",
                    f"The upload with id '{upload_id}' {where} cannot be completed because it "
                    "does not have any parts",
                )
            if any(size < self.settings.min_part_size for size in upload.part_sizes[:-1]):
                raise EcrError(
                    "LayerPartTooSmallException",
                    "All layer parts except the last part should be at least 5MB",
                )
            digest = "sha256:" + upload.sha256.hexdigest()
            if digest not in layer_digests:
                raise EcrError(
                    "InvalidLayerException",
                    "None of the provided layer digests match the calculated layer digest",
                )
            if digest in repository.layers:
                raise EcrError(
                    "LayerAlreadyExistsException",
                    f"The layer with digest '{digest}' already exists {where}",
                )
            target = self.store.layer_path(digest)
            if target.exists():
                upload.path.unlink()
            else:
                os.replace(upload.path, target)
            repository.layers[digest] = upload.received
            del repository.uploads[upload_id]
            return {
                "registryId": repository.registry_id,
                "repositoryName": repository.name,
                "uploadId": upload_id,
                "layerDigest": digest,
            }

    # -- BatchCheckLayerAvailability ----------------------------------------------------------

    def check_availability(
        self, repository: Repository, layer_digests: list[str], referenced: set[str]
    ) -> dict[str, Any]:
        layers: list[dict[str, Any]] = []
        failures: list[dict[str, Any]] = []
        for digest in layer_digests:
            if not SHA256_DIGEST.fullmatch(digest):
                failures.append(
                    {
                        "layerDigest": digest,
                        "failureCode": "InvalidLayerDigest",
                        "failureReason": "Invalid layer digest",
                    }
                )
            elif digest in repository.layers and (
                digest in referenced or self.settings.unreferenced_layers_available
            ):
                layers.append(
                    {
                        "layerDigest": digest,
                        "layerAvailability": "AVAILABLE",
                        "layerSize": repository.layers[digest],
                        "mediaType": LAYER_MEDIA_TYPE,
                    }
                )
            else:
                failures.append(
                    {
                        "layerDigest": digest,
                        "failureCode": "MissingLayerDigest",
                        "failureReason": "Requested image not found",
                    }
                )
        return {"layers": layers, "failures": failures}

    # -- GetDownloadUrlForLayer ---------------------------------------------------------------

    def downloadable_layer(self, repository: Repository, digest: str, referenced: set[str]) -> Path:
        """The file of a layer that an image of this repository references."""
        where = (
            f"the repository with name '{repository.name}' "
            f"in the registry with id '{repository.registry_id}'"
        )
        if digest not in repository.layers:
            raise EcrError(
                "LayersNotFoundException",
                f"The layer with digest {digest} does not exist within {where}",
            )
        if digest not in referenced:
            raise EcrError(
                "LayerInaccessibleException",
                f"The layer with digest {digest} is not associated with an image in {where}",
            )
        return self.store.layer_path(digest)

    def stored_layer(self, digest: str) -> Path | None:
        path = self.store.layer_path(digest)
        return path if SHA256_DIGEST.fullmatch(digest) and path.is_file() else None

    # -- PutImage -----------------------------------------------------------------------------

    def image_digest(self, repository: Repository, manifest: str, given: str | None) -> str:
        """The digest of an image manifest, after checking it (`check_manifest`) and that the
        layers it names are stored."""
        check_manifest(manifest)
        digest = "sha256:" + hashlib.sha256(manifest.encode()).hexdigest()
        if given and given != digest:
            raise EcrError(
                "ImageDigestDoesNotMatchException",
                f"Invalid parameter at 'imageDigest' failed to satisfy constraint: 'The image "
                f"digest {given} does not match the calculated digest {digest}'",
            )
        missing = sorted(referenced_digests([manifest]) - set(repository.layers))
        if missing:
            raise EcrError(
                "LayersNotFoundException",
                f"Layers with digests '{missing}' required for pushing image into repository "
                f"with name '{repository.name}' in the registry with id "
                f"'{repository.registry_id}' do not exist",
            )
        return digest

    # -- helpers ------------------------------------------------------------------------------

    def _find(self, repository: Repository, upload_id: str) -> LayerUpload:
        """The upload with this id in this repository; unknown, expired or elsewhere: not found."""
        self._forget_expired(repository)
        upload = repository.uploads.get(upload_id)
        if not isinstance(upload, LayerUpload):
            raise EcrError(
                "UploadNotFoundException",
                f"The upload with id '{upload_id}' does not exist in the repository with name "
                f"'{repository.name}' in the registry with id '{repository.registry_id}'",
            )
        return upload

    def _forget_expired(self, repository: Repository) -> None:
        ttl = self.settings.upload_ttl
        if ttl is None:
            return
        cutoff = time.time() - ttl
        for upload_id, upload in list(repository.uploads.items()):
            if isinstance(upload, LayerUpload) and upload.last_activity < cutoff:
                upload.path.unlink(missing_ok=True)
                del repository.uploads[upload_id]


def read_chunks(path: Path, chunk_size: int = MiB) -> Iterator[bytes]:
    """The file's bytes in chunks, so a download never holds a whole layer in memory."""
    with path.open("rb") as source:
        while chunk := source.read(chunk_size):
            yield chunk

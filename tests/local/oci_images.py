"""Generated OCI images on disk (an OCI image layout), for real registry clients to push."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import random
import tarfile
from dataclasses import dataclass
from pathlib import Path

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
OCI_LAYER = "application/vnd.oci.image.layer.v1.tar+gzip"


@dataclass(frozen=True)
class OciImage:
    layout: Path  # an OCI image layout directory (skopeo's oci: transport)
    tag: str
    manifest_digest: str
    layer_digests: list[str]
    config_digest: str


def _blob(layout: Path, data: bytes) -> str:
    digest = hashlib.sha256(data).hexdigest()
    (layout / "blobs" / "sha256" / digest).write_bytes(data)
    return f"sha256:{digest}"


def _layer(size: int, seed: int) -> bytes:
    """A gzipped tar holding one file of `size` incompressible bytes."""
    content = random.Random(seed).randbytes(size)
    archive = io.BytesIO()
    with tarfile.open(fileobj=archive, mode="w") as tar:
        info = tarfile.TarInfo(f"layer-{seed}.bin")
        info.size = size
        tar.addfile(info, io.BytesIO(content))
    return gzip.compress(archive.getvalue(), compresslevel=1, mtime=0)


def make_image(directory: Path, sizes: list[int], tag: str = "v1", seed: int = 0) -> OciImage:
    """An image with one layer per size (bytes of content), in an OCI layout at `directory`."""
    layout = directory
    (layout / "blobs" / "sha256").mkdir(parents=True, exist_ok=True)
    (layout / "oci-layout").write_text(json.dumps({"imageLayoutVersion": "1.0.0"}))
    layers = [_layer(size, seed * 100 + number) for number, size in enumerate(sizes)]
    layer_digests = [_blob(layout, layer) for layer in layers]
    diff_ids = ["sha256:" + hashlib.sha256(gzip.decompress(layer)).hexdigest() for layer in layers]
    config = json.dumps(
        {
            "architecture": "amd64",
            "os": "linux",
            "rootfs": {"type": "layers", "diff_ids": diff_ids},
            "config": {},
        }
    ).encode()
    config_digest = _blob(layout, config)
    manifest = json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": OCI_MANIFEST,
            "config": {"mediaType": OCI_CONFIG, "digest": config_digest, "size": len(config)},
            "layers": [
                {"mediaType": OCI_LAYER, "digest": digest, "size": len(layer)}
                for digest, layer in zip(layer_digests, layers, strict=True)
            ],
        }
    ).encode()
    manifest_digest = _blob(layout, manifest)
    index = {
        "schemaVersion": 2,
        "manifests": [
            {
                "mediaType": OCI_MANIFEST,
                "digest": manifest_digest,
                "size": len(manifest),
                "annotations": {"org.opencontainers.image.ref.name": tag},
            }
        ],
    }
    (layout / "index.json").write_text(json.dumps(index))
    return OciImage(layout, tag, manifest_digest, layer_digests, config_digest)

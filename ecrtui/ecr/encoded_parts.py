"""An UploadLayerPart whose request body is built before the call: the part's bytes base64-encoded
straight into the JSON body, a chunk at a time, so the part is never held whole as bytes, as
base64 text and as JSON text at once.

botocore would serialize `layerPartBlob` itself: base64 text of the whole part, then the whole
body as JSON text, then that text as bytes (three copies, about 40 ms of one core for a 10 MiB
part). An `EncodedPart` is given as `layerPartBlob` instead; two handlers on the client's events
(`send_encoded_parts`) hand botocore an empty blob to check and serialize, then put the built
body in place of the serialized one, once they have checked that it carries the same members.
The body's sha256, which SigV4 signs, is worked out with the body and sent as the
X-Amz-Content-SHA256 header (as the AWS SDKs for JavaScript send it on every request), so
botocore does not hash the body again when it signs. Everything else stays botocore's: the
endpoint, the headers, the signature, its retries and the parsing of the answer.

    part = EncodedPart({"repositoryName": ..., "uploadId": ..., "partFirstByte": 0,
                        "partLastByte": size - 1}, size)
    part.add(first_bytes)  # lengths multiple of 3, but the last
    ...
    client.upload_layer_part(**part.members, layerPartBlob=part)
"""

from __future__ import annotations

import binascii
import hashlib
import json
from collections.abc import Mapping
from typing import Any

OPERATION = "UploadLayerPart"
BLOB = "layerPartBlob"
_CONTEXT_KEY = "ecrtui_encoded_part"
PAYLOAD_HASH_HEADER = "X-Amz-Content-SHA256"


class EncodedPart:
    """A part's bytes as UploadLayerPart's JSON body, filled by `add`; `len()` is the part's size
    in bytes (what the model's limits apply to), not the size of the body."""

    def __init__(self, members: Mapping[str, Any], size: int) -> None:
        self.members = {name: value for name, value in members.items() if name != BLOB}
        self.size = size
        text = json.dumps({**self.members, BLOB: ""}).encode()
        prefix, suffix = text[:-2], text[-2:]  # the body up to the blob's opening quote, `"}`
        self.body = bytearray(len(prefix) + 4 * -(-size // 3) + len(suffix))
        self.body[: len(prefix)] = prefix
        self.body[-len(suffix) :] = suffix
        self._at = len(prefix)
        self._added = 0
        self.body_sha256 = hashlib.sha256(self.body).hexdigest() if size == 0 else None

    def __len__(self) -> int:
        return self.size

    def __repr__(self) -> str:
        return f"<EncodedPart of {self.size} bytes>"

    @property
    def complete(self) -> bool:
        return self._added == self.size

    def add(self, chunk: bytes | bytearray | memoryview) -> None:
        """Encode the next bytes of the part into the body. Every chunk but the last must be a
        multiple of 3 bytes long (base64 encodes 3 bytes as 4 characters)."""
        if self._added % 3:
            raise ValueError("only the last chunk of a part may be a length not a multiple of 3")
        if self._added + len(chunk) > self.size:
            raise ValueError(f"more than the part's {self.size} bytes")
        encoded = binascii.b2a_base64(chunk, newline=False)
        self.body[self._at : self._at + len(encoded)] = encoded
        self._at += len(encoded)
        self._added += len(chunk)
        if self.complete:
            self.body_sha256 = hashlib.sha256(self.body).hexdigest()


def send_encoded_parts(client: Any) -> bool:
    """Let `client` send an `EncodedPart` as UploadLayerPart's layerPartBlob (adding the handlers
    again changes nothing). False when the client has no botocore events to hook."""
    try:
        events = client.meta.events
    except AttributeError:
        return False
    events.register(
        f"before-parameter-build.ecr.{OPERATION}",
        _hand_over_empty_blob,
        unique_id="ecrtui-encoded-part-params",
    )
    events.register(f"before-call.ecr.{OPERATION}", _put_body, unique_id="ecrtui-encoded-part-body")
    return True


def _hand_over_empty_blob(params: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
    """botocore checks and serializes an empty blob; the encoded part waits in the context."""
    part = params.get(BLOB)
    if isinstance(part, EncodedPart):
        if not part.complete:
            raise ValueError(f"{part!r} was sent before all its bytes were added")
        context[_CONTEXT_KEY] = part
        params[BLOB] = b""


def _put_body(params: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
    """The built body in place of the serialized one, when it carries the same members."""
    part = context.pop(_CONTEXT_KEY, None)
    if part is None:
        return
    serialized = json.loads(params["body"] or b"{}")
    if serialized.pop(BLOB, None) != "" or serialized != part.members:
        raise ValueError(f"{part!r} was built for other {OPERATION} members than these")
    params["body"] = part.body
    params["headers"][PAYLOAD_HASH_HEADER] = part.body_sha256

"""The registry face of the local backend: the OCI distribution API under /v2/, as ECR serves it.

docker, buildkit, containerd, podman/skopeo, kaniko and oras never call the ECR API: they speak
the registry protocol to `<account>.dkr.ecr.<region>.amazonaws.com`, and ECR's registry proxy turns
each request into the API calls (HEAD -> BatchCheckLayerAvailability, POST -> InitiateLayerUpload,
PATCH -> UploadLayerPart, PUT -> CompleteLayerUpload, manifest PUT -> PutImage). This face does
the same over the same store: an upload opened with POST is the upload UploadLayerPart, the probe
and the console see, and an image pushed through either face is visible through the other.

Where ECR departs from the spec, this face departs with it (spec section 10): a PATCH is answered
201, its Range header stops advancing after the first PATCH, a PATCH has no 10 MiB cap, errors of
the layer calls come back as BLOB_UPLOAD_INVALID with the API's message, a blob GET is a 307 to a
download URL, and a manifest GET carries no Docker-Content-Digest. What no source confirms is a
`BackendSettings` field (`registry_…`).
"""

from __future__ import annotations

import base64
import binascii
import hmac
import json
import re
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, quote

from ecrtui.ecr.limits import size_words
from ecrtui.local import bodies, moto_bridge
from ecrtui.local.manifests import INVALID_JSON
from ecrtui.local.rules import (
    BackendSettings,
    EcrError,
    LayerRules,
    check_manifest,
    manifest_error,
    referenced_digests,
)

StartResponse = Callable[[str, list[tuple[str, str]]], Any]
Recorder = Callable[..., Any]

API_VERSION = ("Docker-Distribution-Api-Version", "registry/2.0")
MAX_TAGS_PAGE = 1000
UTF8_BYTES_PER_CHARACTER = 4

_NAME = r"(?P<name>[a-z0-9][a-z0-9._/-]*?)"
_ROUTES = [
    ("catalog", re.compile(r"^/v2/_catalog$")),
    ("tags", re.compile(rf"^/v2/{_NAME}/tags/list$")),
    ("manifest", re.compile(rf"^/v2/{_NAME}/manifests/(?P<reference>[^/]+)$")),
    ("uploads", re.compile(rf"^/v2/{_NAME}/blobs/uploads/?$")),
    ("upload", re.compile(rf"^/v2/{_NAME}/blobs/uploads/(?P<upload>[^/]+)$")),
    ("blob", re.compile(rf"^/v2/{_NAME}/blobs/(?P<digest>[^/]+)$")),
]

# The API's error code -> the registry's (ECR passes the API's message through).
_LAYER_ERRORS = {
    "InvalidLayerPartException": ("416 Range Not Satisfiable", "BLOB_UPLOAD_INVALID"),
    "EmptyUploadException": ("400 Bad Request", "BLOB_UPLOAD_INVALID"),
    "LayerPartTooSmallException": ("400 Bad Request", "BLOB_UPLOAD_INVALID"),
    "InvalidLayerException": ("400 Bad Request", "BLOB_UPLOAD_INVALID"),
    "LimitExceededException": ("400 Bad Request", "BLOB_UPLOAD_INVALID"),
    "UploadNotFoundException": ("404 Not Found", "BLOB_UPLOAD_UNKNOWN"),
    "LayersNotFoundException": ("400 Bad Request", "MANIFEST_BLOB_UNKNOWN"),
    "ImageDigestDoesNotMatchException": ("400 Bad Request", "DIGEST_INVALID"),
    "ImageTagAlreadyExistsException": ("400 Bad Request", "TAG_INVALID"),
}


@dataclass(frozen=True)
class Answer:
    status: str
    headers: list[tuple[str, str]]
    body: Iterable[bytes] = ()


class RegistryError(Exception):
    """A registry error: its status line, code and message (and the API error behind it)."""

    def __init__(self, status: str, code: str, message: str, api_code: str | None = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.api_code = status, code, message, api_code


class DroppedConnection(Exception):
    """The request gets no answer at all (ECR's EOF on a push into a missing repository)."""


class RegistryFace:
    """A WSGI application for the paths under /v2/."""

    def __init__(
        self,
        rules: LayerRules,
        record: Recorder | None = None,
        large_bodies: bodies.LargeBodies | None = None,
    ) -> None:
        self.rules = rules
        self._record = record
        self._large_bodies = large_bodies or bodies.LargeBodies()

    @property
    def settings(self) -> BackendSettings:
        return self.rules.settings

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        request = Request(environ)
        try:
            answer = self._answer(request)
        except RegistryError as error:
            answer = _error(error)
        except bodies.MalformedBody as error:
            answer = _error(RegistryError("400 Bad Request", "BLOB_UPLOAD_INVALID", str(error)))
        except DroppedConnection:
            raise
        headers = [API_VERSION, *answer.headers]
        start_response(answer.status, headers)
        if request.method == "HEAD":
            return []
        return answer.body

    # -- routing ---------------------------------------------------------------------------------

    def _answer(self, request: Request) -> Answer:
        if not self._authorized(request):
            return _unauthorized(request)
        path = request.path
        if path in ("/v2", "/v2/"):
            return Answer("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "0")])
        for route, pattern in _ROUTES:
            match = pattern.match(path)
            if match:
                handler = getattr(self, f"_{route}_{request.method.lower()}", None)
                if handler is None:
                    raise RegistryError(
                        "405 Method Not Allowed",
                        "UNSUPPORTED",
                        f"The operation is unsupported: {request.method} {route}",
                    )
                answer: Answer = handler(request, **match.groupdict())
                return answer
        raise RegistryError("404 Not Found", "NOT_FOUND", "Requested resource not found")

    def _authorized(self, request: Request) -> bool:
        """Basic AWS:<password from GetAuthorizationToken>, as private ECR takes it."""
        kind, _, value = request.header("Authorization").partition(" ")
        if kind.lower() != "basic":
            return False
        try:
            user, _, password = base64.b64decode(value, validate=True).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return False
        return user == "AWS" and hmac.compare_digest(password, moto_bridge.registry_password())

    # -- blobs -----------------------------------------------------------------------------------

    def _blob_head(self, request: Request, name: str, digest: str) -> Answer:
        repository = self._repository(name)
        check = self.rules.check_availability(repository, [digest], _referenced(repository))
        self._called(request, "BatchCheckLayerAvailability", repository, check, layers=[digest])
        if not check["layers"]:
            raise RegistryError("404 Not Found", "BLOB_UNKNOWN", "blob unknown to registry")
        size = check["layers"][0]["layerSize"]
        return Answer(
            "200 OK",
            [
                ("Content-Type", "application/octet-stream"),
                ("Content-Length", str(size)),
                ("Docker-Content-Digest", digest),
            ],
        )

    def _blob_get(self, request: Request, name: str, digest: str) -> Answer:
        """307 to a download URL, as ECR sends blob GETs to S3."""
        repository = self._repository(name)
        if digest not in repository.layers:
            raise RegistryError("404 Not Found", "BLOB_UNKNOWN", "blob unknown to registry")
        path = moto_bridge.download_path(repository.registry_id, repository.name, digest)
        signed_at, lifetime = int(time.time()), moto_bridge.DOWNLOAD_URL_LIFETIME
        signature = moto_bridge.sign_download(path, signed_at, lifetime)
        query = f"X-Amz-Date={signed_at}&X-Amz-Expires={lifetime}&X-Amz-Signature={signature}"
        url = f"{request.base_url}{path}?{query}"
        answer = {"downloadUrl": url, "layerDigest": digest}
        self._called(request, "GetDownloadUrlForLayer", repository, answer, layerDigest=digest)
        return Answer("307 Temporary Redirect", [("Location", url), ("Content-Length", "0")])

    # -- uploads ---------------------------------------------------------------------------------

    def _uploads_post(self, request: Request, name: str) -> Answer:
        repository = self._repository(name, pushing=True)
        mount, source = request.query("mount"), request.query("from")
        if mount and source and self.settings.registry_blob_mounting:
            origin = moto_bridge.find_repository(source)
            if origin is not None and self.rules.mount(repository, origin, mount):
                location = f"{request.base_url}/v2/{quote(name)}/blobs/{mount}"
                return Answer(
                    "201 Created",
                    [("Location", location), ("Docker-Content-Digest", mount)],
                )
        started = self.rules.initiate(repository)
        self._called(request, "InitiateLayerUpload", repository, started)
        upload_id = started["uploadId"]
        digest = request.query("digest")
        if digest:  # a monolithic POST: the layer in the request itself
            return self._finish(request, repository, name, upload_id, digest)
        return Answer(
            "202 Accepted",
            [
                ("Location", self._location(request, name, upload_id)),
                ("Range", "0-0"),
                ("Content-Length", "0"),
            ],
        )

    def _upload_patch(self, request: Request, name: str, upload: str) -> Answer:
        repository = self._repository(name)
        state = self._upload(repository, upload)
        first = state.received
        given = request.header("Content-Range")
        if given:
            start = _range_start(given)
            if start != state.received:
                raise RegistryError(
                    "416 Range Not Satisfiable",
                    "BLOB_UPLOAD_INVALID",
                    f"First byte of the layer part is {start} instead of {state.received}",
                )
        self._receive(request, repository, upload, first)
        state = self._upload(repository, upload)
        if state.first_patch_end is None and state.received:
            state.first_patch_end = state.received - 1
        shown = state.first_patch_end if state.first_patch_end is not None else -1
        return Answer(
            "201 Created",  # ECR's answer; the spec says 202
            [
                ("Location", self._location(request, name, upload)),
                ("Range", f"0-{max(shown, 0)}"),  # stuck at the first PATCH's end, as ECR's
                ("Content-Length", "0"),
            ],
        )

    def _upload_put(self, request: Request, name: str, upload: str) -> Answer:
        repository = self._repository(name)
        digest = request.query("digest")
        if not digest:
            raise RegistryError(
                "400 Bad Request", "DIGEST_INVALID", "the digest query parameter is missing"
            )
        return self._finish(request, repository, name, upload, digest)

    def _upload_get(self, request: Request, name: str, upload: str) -> Answer:
        repository = self._repository(name)
        if self.settings.registry_upload_status != "204":
            raise _unknown_upload()
        state = self._upload(repository, upload)
        return Answer(
            "204 No Content",
            [
                ("Location", self._location(request, name, upload)),
                ("Range", f"0-{max(state.received - 1, 0)}"),
                ("Content-Length", "0"),
            ],
        )

    def _upload_delete(self, request: Request, name: str, upload: str) -> Answer:
        repository = self._repository(name)
        if self.settings.registry_upload_cancel != "204":
            raise _unknown_upload()
        try:
            self.rules.cancel(repository, upload)
        except EcrError as error:
            raise _layer_error(error) from None
        return Answer("204 No Content", [("Content-Length", "0")])

    def _finish(
        self, request: Request, repository: Any, name: str, upload_id: str, digest: str
    ) -> Answer:
        """The final chunk, if the request has one, then CompleteLayerUpload."""
        state = self._upload(repository, upload_id)
        if request.has_body:
            self._receive(request, repository, upload_id, state.received)
        params = {"layerDigests": [digest], "uploadId": upload_id}
        try:
            done = self.rules.complete(repository, upload_id, [digest])
        except EcrError as error:
            self._failed(request, "CompleteLayerUpload", repository, error, **params)
            if error.code != "LayerAlreadyExistsException":
                raise _layer_error(error) from None
            self.rules.cancel(repository, upload_id)  # the layer is there: the push goes on
        else:
            self._called(request, "CompleteLayerUpload", repository, done, **params)
        return Answer(
            "201 Created",
            [
                ("Location", f"{request.base_url}/v2/{quote(name)}/blobs/{digest}"),
                ("Docker-Content-Digest", digest),
                ("Content-Length", "0"),
            ],
        )

    def _receive(self, request: Request, repository: Any, upload_id: str, first: int) -> None:
        """The request's body as UploadLayerPart calls: one per PATCH, or 10 MiB parts; streamed
        to the upload's file, and refused (413) where it would take the layer past ECR's maximum
        layer size: at once by its Content-Length, or as a chunked body passes it."""
        limit = max(self.settings.max_layer_size - first, 0)
        try:
            bodies.check_length(request.environ, limit)
            body = request.body(limit)
            if self.settings.registry_patch_parts == "split":
                pieces = _pieces(body, self.settings.max_part_size)
            else:
                pieces = iter([body])
            for piece in pieces:
                self._receive_part(request, repository, upload_id, piece)
        except bodies.BodyTooLarge as error:
            size = f"{first + error.size} bytes, " if error.size is not None else ""
            raise RegistryError(
                "413 Request Entity Too Large",
                "BLOB_UPLOAD_INVALID",
                f"The layer would be {size}more than the maximum layer size of "
                f"{size_words(self.settings.max_layer_size)}",
            ) from None

    def _receive_part(
        self, request: Request, repository: Any, upload_id: str, piece: Iterator[bytes]
    ) -> None:
        """One UploadLayerPart call from the registry face."""
        before = self._upload(repository, upload_id).received
        params = {"uploadId": upload_id, "partFirstByte": before}
        try:
            answer = self.rules.receive_part(repository, upload_id, before, piece)
        except EcrError as error:
            self._failed(request, "UploadLayerPart", repository, error, **params)
            raise _layer_error(error) from None
        if answer["lastByteReceived"] >= before:
            params["partLastByte"] = answer["lastByteReceived"]
            self._called(request, "UploadLayerPart", repository, answer, **params)

    # -- manifests and tags ----------------------------------------------------------------------

    def _manifest_put(self, request: Request, name: str, reference: str) -> Answer:
        repository = self._repository(name, pushing=True)
        timeout = self.settings.request_timeout
        with self._large_bodies.admitted(request.environ, timeout) as go_on:
            if not go_on:
                raise RegistryError(
                    "503 Service Unavailable",
                    "TOOMANYREQUESTS",
                    "The local ECR backend is handling other large manifests; retry",
                )
            return self._store_manifest(request, repository, name, reference)

    def _store_manifest(
        self, request: Request, repository: Any, name: str, reference: str
    ) -> Answer:
        """PutImage for a manifest PUT."""
        tag = None if reference.startswith("sha256:") else reference
        media_type = request.header("Content-Type").split(";")[0].strip() or None
        params = {"imageTag": tag, "imageManifestMediaType": media_type}
        manifest = self._manifest_text(request)
        try:
            check_manifest(manifest)
        except EcrError as error:
            self._failed(request, "PutImage", repository, error, **params)
            if error.message.endswith(f"'{INVALID_JSON}'"):  # ECR's answer to JSON it cannot read
                raise RegistryError(
                    "405 Method Not Allowed", "UNSUPPORTED", error.message
                ) from None
            raise RegistryError("400 Bad Request", "MANIFEST_INVALID", error.message) from None
        try:
            digest = moto_bridge.store_image(repository, manifest, tag, media_type)
        except EcrError as error:
            self._failed(request, "PutImage", repository, error, **params)
            raise _layer_error(error) from None
        except ValueError as refused:
            failure = EcrError("InvalidParameterException", str(refused))
            self._failed(request, "PutImage", repository, failure, **params)
            raise RegistryError("400 Bad Request", "MANIFEST_INVALID", str(refused)) from None
        if reference.startswith("sha256:") and reference != digest:
            raise RegistryError(
                "400 Bad Request",
                "DIGEST_INVALID",
                "provided digest did not match uploaded content",
            )
        answer = {"image": {"imageId": {"imageDigest": digest, "imageTag": tag}}}
        self._called(request, "PutImage", repository, answer, **params)
        return Answer("201 Created", [("Docker-Content-Digest", digest), ("Content-Length", "0")])

    def _manifest_text(self, request: Request) -> str:
        """The manifest in the request's body: at most PutImage's limit on imageManifest (its
        characters, so 4 bytes each at most in UTF-8), or 413; text that is not UTF-8 is ECR's
        'Invalid JSON syntax' (405)."""
        longest = moto_bridge.max_manifest_length()
        try:
            data = b"".join(request.body(longest * UTF8_BYTES_PER_CHARACTER))
            text = data.decode("utf-8")
        except bodies.BodyTooLarge as error:
            size = f"{error.size} bytes" if error.size is not None else "larger than that"
            raise RegistryError(
                "413 Request Entity Too Large",
                "MANIFEST_INVALID",
                f"The manifest is {size}; ECR accepts manifests of up to {longest} characters",
            ) from None
        except UnicodeDecodeError:
            invalid = manifest_error(INVALID_JSON)
            raise RegistryError("405 Method Not Allowed", "UNSUPPORTED", invalid.message) from None
        if len(text) > longest:
            raise RegistryError(
                "413 Request Entity Too Large",
                "MANIFEST_INVALID",
                f"The manifest is {len(text)} characters; ECR accepts up to {longest}",
            )
        return text

    def _manifest_get(self, request: Request, name: str, reference: str) -> Answer:
        repository = self._repository(name)
        image = moto_bridge.find_image(repository, reference)
        key = "imageDigest" if reference.startswith("sha256:") else "imageTag"
        if image is None:
            error = EcrError("ImageNotFoundException", "Requested image not found")
            self._failed(request, "BatchGetImage", repository, error, imageIds=[{key: reference}])
            raise RegistryError("404 Not Found", "MANIFEST_UNKNOWN", "Requested image not found")
        manifest = image.image_manifest.encode()
        digest = image.get_image_digest()
        media_type = image.image_manifest_media_type or _media_type(image.image_manifest)
        headers = [("Content-Type", media_type), ("Content-Length", str(len(manifest)))]
        if request.method == "HEAD":  # ECR: the digest on a HEAD, not on a GET
            headers.append(("Docker-Content-Digest", digest))
        else:
            answer = {"images": [{"imageId": {"imageDigest": digest}}], "failures": []}
            self._called(request, "BatchGetImage", repository, answer, imageIds=[{key: reference}])
        return Answer("200 OK", headers, [manifest])

    _manifest_head = _manifest_get

    def _tags_get(self, request: Request, name: str) -> Answer:
        repository = self._repository(name)
        tags = sorted({tag for image in repository.images for tag in image.image_tags})
        count_text, last = request.query("n"), request.query("last")
        if count_text is not None and (not count_text.isdigit() or int(count_text) < 1):
            raise RegistryError(
                "400 Bad Request",
                "PAGINATION_NUMBER_INVALID",
                f"invalid number of results requested: {count_text!r}",
            )
        count = int(count_text) if count_text else MAX_TAGS_PAGE
        if count > MAX_TAGS_PAGE:
            raise RegistryError(
                "400 Bad Request",
                "UNSUPPORTED",
                "1 validation error detected: Value at 'maxResults' failed to satisfy "
                f"constraint: Member must have value less than or equal to {MAX_TAGS_PAGE}",
            )
        if last:
            tags = [tag for tag in tags if tag > last]
        page, more = tags[:count], len(tags) > count
        headers = [("Content-Type", "application/json")]
        if more:
            link = f"</v2/{quote(name)}/tags/list?n={count}&last={quote(page[-1])}>"
            headers.append(("Link", f'{link}; rel="next"'))
        return _json_answer("200 OK", {"name": name, "tags": page}, headers)

    def _catalog_get(self, request: Request) -> Answer:
        return _json_answer("200 OK", {"repositories": moto_bridge.repository_names()})

    # -- helpers ---------------------------------------------------------------------------------

    def _repository(self, name: str, pushing: bool = False) -> Any:
        repository = moto_bridge.find_repository(name)
        if repository is not None:
            return repository
        if pushing and self.settings.registry_missing_repository == "eof":
            raise DroppedConnection(name)
        raise RegistryError(
            "404 Not Found",
            "NAME_UNKNOWN",
            f"The repository with name '{name}' does not exist in the registry with id "
            f"'{moto_bridge.DEFAULT_ACCOUNT}'",
        )

    def _upload(self, repository: Any, upload_id: str) -> Any:
        try:
            return self.rules.upload_of(repository, upload_id)
        except EcrError as error:
            raise _layer_error(error) from None

    def _location(self, request: Request, name: str, upload_id: str) -> str:
        return f"{request.base_url}/v2/{quote(name)}/blobs/uploads/{upload_id}"

    def _called(
        self, request: Request, operation: str, repository: Any, answer: Any, **params: Any
    ) -> None:
        self._tell(request, operation, repository, params, answer, None)

    def _failed(
        self, request: Request, operation: str, repository: Any, error: EcrError, **params: Any
    ) -> None:
        self._tell(request, operation, repository, params, None, error)

    def _tell(
        self,
        request: Request,
        operation: str,
        repository: Any,
        params: dict[str, Any],
        answer: Any,
        error: EcrError | None,
    ) -> None:
        """The API call ECR's proxy would have made, for the CloudTrail."""
        if self._record is None:
            return
        request_parameters = {
            "registryId": repository.registry_id,
            "repositoryName": repository.name,
            **{key: value for key, value in params.items() if value is not None},
        }
        if "layers" in request_parameters:
            request_parameters["layerDigests"] = request_parameters.pop("layers")
        self._record(
            operation,
            request_parameters,
            answer,
            error.code if error else None,
            error.message if error else None,
            user_agent=request.header("User-Agent"),
            proxy=True,
            read_only=operation
            in ("BatchCheckLayerAvailability", "BatchGetImage", "GetDownloadUrlForLayer"),
        )


# -- requests and answers --------------------------------------------------------------------------


class Request:
    """What a handler needs of a WSGI request; the body is read as it is consumed."""

    def __init__(self, environ: dict[str, Any]) -> None:
        self.environ = environ
        self.method = str(environ.get("REQUEST_METHOD", "GET")).upper()
        self.path = str(environ.get("PATH_INFO", ""))
        self._query = parse_qs(str(environ.get("QUERY_STRING", "")))

    def header(self, name: str) -> str:
        key = "HTTP_" + name.upper().replace("-", "_")
        if name.lower() in ("content-type", "content-length"):
            key = key.removeprefix("HTTP_")
        return str(self.environ.get(key, ""))

    def query(self, name: str) -> str | None:
        values = self._query.get(name)
        return values[0] if values else None

    @property
    def base_url(self) -> str:
        host = self.header("Host") or str(self.environ.get("SERVER_NAME", "127.0.0.1"))
        return f"{self.environ.get('wsgi.url_scheme', 'http')}://{host}"

    @property
    def has_body(self) -> bool:
        return bodies.has_body(self.environ)

    def body(self, limit: int) -> Iterator[bytes]:
        """The body in chunks, never whole in memory (Content-Length, or chunked encoding), and
        never more than `limit` bytes (`bodies.BodyTooLarge`)."""
        return bodies.chunks(self.environ, limit)


def _range_start(content_range: str) -> int:
    """'0-1023' (or 'bytes 0-1023/*') -> 0."""
    match = re.search(r"(\d+)-\d+", content_range)
    if match is None:
        raise RegistryError(
            "400 Bad Request", "BLOB_UPLOAD_INVALID", f"invalid Content-Range {content_range!r}"
        )
    return int(match.group(1))


def _pieces(chunks: Iterator[bytes], size: int) -> Iterator[Iterator[bytes]]:
    """The stream cut into consecutive pieces of `size` bytes (the last may be shorter)."""
    pending = b""
    exhausted = False

    def piece() -> Iterator[bytes]:
        nonlocal pending, exhausted
        taken = 0
        while taken < size:
            if not pending:
                pending = next(chunks, b"")
                if not pending:
                    exhausted = True
                    return
            chunk, pending = pending[: size - taken], pending[size - taken :]
            taken += len(chunk)
            yield chunk

    while not exhausted:
        yield piece()
        if not pending:
            pending = next(chunks, b"")
            exhausted = not pending


def _referenced(repository: Any) -> set[str]:
    return referenced_digests(image.image_manifest for image in repository.images)


def _media_type(manifest: str) -> str:
    try:
        parsed = json.loads(manifest)
    except (ValueError, RecursionError):
        parsed = {}
    media_type = parsed.get("mediaType") if isinstance(parsed, dict) else None
    return str(media_type or "application/vnd.oci.image.manifest.v1+json")


def _json_answer(
    status: str, document: Any, headers: list[tuple[str, str]] | None = None
) -> Answer:
    body = json.dumps(document).encode()
    base = [("Content-Type", "application/json; charset=utf-8")]
    fields = [*(headers or base), ("Content-Length", str(len(body)))]
    return Answer(status, fields, [body])


def _error(error: RegistryError) -> Answer:
    document = {"errors": [{"code": error.code, "message": error.message, "detail": None}]}
    return _json_answer(error.status, document)


def _unauthorized(request: Request) -> Answer:
    body = b"Not Authorized\n"
    challenge = f'Basic realm="{request.base_url}/",service="ecr.amazonaws.com"'
    return Answer(
        "401 Unauthorized",
        [
            ("Www-Authenticate", challenge),
            ("Content-Type", "text/plain; charset=utf-8"),
            ("Content-Length", str(len(body))),
        ],
        [body],
    )


def _unknown_upload() -> RegistryError:
    return RegistryError("404 Not Found", "BLOB_UPLOAD_UNKNOWN", "blob upload unknown to registry")


def _layer_error(error: EcrError) -> RegistryError:
    status, code = _LAYER_ERRORS.get(error.code, ("400 Bad Request", "BLOB_UPLOAD_INVALID"))
    return RegistryError(status, code, error.message, error.code)

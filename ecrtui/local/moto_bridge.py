"""The one place the local backend reaches into moto (pinned to moto >= 5.2.5, < 5.3).

moto internals touched, and nothing else:
- `moto.ecr.responses.ECRResponse`: its per-operation handler methods are replaced or added
  (InitiateLayerUpload, UploadLayerPart, CompleteLayerUpload, BatchCheckLayerAvailability,
  GetDownloadUrlForLayer, PutImage, DescribeRepositories, DescribeImages), and every handler is
  wrapped with the model's constraint checks. Handlers read parameters with
  `BaseResponse._get_param`, the raw body from `BaseResponse.body`, the Host header from
  `BaseResponse.headers`, and return `moto.core.responses.ActionResult`. Its `_get_action` is
  replaced: moto reads the JSON body as a query string too and takes an `Action` found there
  over X-Amz-Target (so a string member holding "&Action=DeleteRepository&" ran another call).
- `moto.ecr.models.ECRBackend._get_repository` (raises moto's RepositoryNotFoundException),
  `ECRBackend.describe_repositories` / `describe_images` for the unpaged lists (`repositories`,
  the dict of them, for the whole registry), and
  `ECRBackend.put_image` (given the real digest: the sha256 of the manifest).
- `moto.ecr.models.Repository` attributes `name`, `registry_id`, `uploads`, `layers`, `images`, and
  `Image.image_manifest`; DescribeImages reports copies of moto's Image whose class overrides the
  `image_size_in_bytes` property (moto gives the config blob's size).
- `moto.ecr.models.ECR_REPOSITORY_NAME_PATTERN`, the older repository-name pattern moto's
  CreateRepository checks; it is set to the model's newer one, which the real service documents.
- `BaseResponse.normalized_request` (a werkzeug Request): a part's cached body is dropped from
  it once decoded, so memory stays flat; so are `BaseResponse.raw_body` and `querystring` (the
  body read as a query string), which ECR's handlers never read. Its `environ` carries the
  parameters the server parsed (`PARAMETERS`), so moto is handed an empty body.
- `BaseResponse._get_param`, which moto's ECR handlers read every parameter with: replaced on
  `ECRResponse` to read the parameters parsed once (moto's own parses the whole JSON body again
  for each parameter, seven times for an UploadLayerPart of ~14 MB).
- `ActionResult.execute_result`, overridden for DescribeRepositories: moto's serializer writes
  the answer's frame, and each repository is written from moto's `Repository` attributes (`arn`,
  `registry_id`, `name`, `uri`, `created_at`, `image_tag_mutability`,
  `image_tag_mutability_exclusion_filters`, `image_scanning_configuration`,
  `encryption_configuration`) with `TimestampSerializer._timestamp_unixtimestamp`, as moto's
  serializer writes them (50 ms of each page of 1,000 in moto's).
- `moto.core.exceptions.ServiceException`, which moto serializes with the model's error shape, so
  extra members such as `lastValidByteReceived` reach the client.
- `moto.backends.get_backend("ecr"|"sts").reset()` to start each local registry empty.
- `moto.core.utils.create_loader` and `AccountSpecificBackend.get_session`: moto's model loader
  and the session it lists regions with, given `ecrtui.ecr.service_loader`'s quick answer to
  "is this service known?" (each answer listed all of botocore's ~400 service directories).
- `BaseResponse.dispatch(request, url, headers)` of `ECRResponse` and of
  `moto.sts.responses.TokenResponse`, given a `moto.core.request.Request` of the WSGI environ: what
  moto's server calls for each request (`moto.core.utils.convert_to_flask_response`), without its
  Flask app.

`install()` is idempotent: the patches go in once per process; later calls swap the active rules.
"""

from __future__ import annotations

import base64
import binascii
import copy
import functools
import hashlib
import hmac
import json
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

import botocore.session
from botocore.model import ServiceModel
from moto import settings as moto_settings
from moto.backends import get_backend
from moto.core.exceptions import ServiceException
from moto.core.models import DEFAULT_ACCOUNT_ID
from moto.core.responses import ActionResult
from moto.core.serialize import TimestampSerializer
from moto.ecr import models as moto_ecr_models
from moto.ecr.exceptions import ImageAlreadyExistsException
from moto.ecr.responses import ECRResponse

from ecrtui.local.constraints import constraint_message, decode_blobs, first_violation
from ecrtui.local.rules import EcrError, LayerRules, referenced_digests

DOWNLOAD_PREFIX = "/_local-ecr/layers/"
DOWNLOAD_URL_LIFETIME = 3600
AUTHORIZATION_LIFETIME = 12 * 3600  # ECR's tokens last 12 hours
DEFAULT_ACCOUNT = DEFAULT_ACCOUNT_ID
DEFAULT_PAGE_SIZE = 100
# Room in a request body for the members besides its one large blob or manifest.
REQUEST_OVERHEAD = 64 * 1024

# Where the server hands moto an ECR request's parameters, parsed once from the body
# (`api_requests.hand_to_moto`); a request without it is parsed from moto's body here.
PARAMETERS = "ecrtui.parameters"

_PATCHED = "_ecrtui_installed"
_PARSED = "_ecrtui_parameters"  # a handled request's parameters, on its ECRResponse
_active: LayerRules | None = None
_signing_key = b""


class _ServiceError(ServiceException):
    """An `EcrError` in the shape moto serializes: code, message and extra members."""

    def __init__(self, error: EcrError) -> None:
        self.code = error.code
        super().__init__(error.message)
        for name, value in error.fields.items():
            setattr(self, name, value)


def install(rules: LayerRules, signing_key: bytes) -> None:
    """Make moto's ECR follow `rules` from now on in this process."""
    global _active, _signing_key
    _active, _signing_key = rules, signing_key
    if getattr(ECRResponse, _PATCHED, False):
        return
    _load_models_quickly()
    model = _ecr_model()
    moto_ecr_models.ECR_REPOSITORY_NAME_PATTERN = model.shape_for("RepositoryName").metadata[
        "pattern"
    ]
    ECRResponse._get_action = _action_from_target  # type: ignore[method-assign, assignment]
    ECRResponse._get_param = _parsed_param  # type: ignore[method-assign, assignment]
    for name, replacement in _HANDLERS.items():
        setattr(ECRResponse, name, replacement)
    for operation in model.operation_names:
        name = botocore.xform_name(operation)
        handler = getattr(ECRResponse, name, None)
        if callable(handler):
            setattr(ECRResponse, name, _checked(model, operation, handler))
    setattr(ECRResponse, _PATCHED, True)


def _load_models_quickly() -> None:
    """moto's model loader and region session, looking up a service in its own directory."""
    import boto3
    from moto.core import loaders as moto_loaders
    from moto.core import utils as moto_utils
    from moto.core.base_backend import AccountSpecificBackend

    from ecrtui.ecr.model import model_session
    from ecrtui.ecr.service_loader import ServiceLoader

    class MotoServiceLoader(ServiceLoader, moto_loaders.Loader):
        """moto's loader (its model extras) with the quick lookup."""

    moto_utils.create_loader = lambda: MotoServiceLoader(  # type: ignore[attr-defined]
        extra_search_paths=[moto_loaders.moto_root]
    )
    regions = boto3.Session(botocore_session=model_session())
    AccountSpecificBackend.get_session = classmethod(lambda cls: regions)  # type: ignore[method-assign, assignment]


def reset_state() -> None:
    """Forget every repository, image and upload moto holds in this process."""
    get_backend("ecr").reset()
    get_backend("sts").reset()


def moto_app(service: str) -> Callable[[dict[str, Any], Callable[..., Any]], list[bytes]]:
    """moto's answers for one service, "ecr" or "sts" (the server lets nothing else reach moto),
    as a WSGI app: each request handed to the service's response class as moto's own server
    hands it, without that server's Flask app (whose import, Jinja's with it, was a tenth of the
    demo backend's start)."""
    from botocore.exceptions import ClientError
    from moto.core.request import Request
    from moto.sts.responses import TokenResponse
    from werkzeug.http import HTTP_STATUS_CODES

    responses = {"ecr": ECRResponse, "sts": TokenResponse}[service]

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        request = Request(environ)
        try:
            status, headers, content = responses.dispatch(
                request, request.raw_url, dict(request.headers)
            )
        except ClientError as error:  # as moto's server answers one
            status, headers, content = 400, {}, error.response["Error"]["Message"]
        body = content.encode() if isinstance(content, str) else bytes(content or b"")
        sent = [
            (str(name), str(value))
            for name, value in headers.items()
            if str(name).lower() != "content-length"
        ]
        if not any(name.lower() == "content-type" for name, _ in sent):
            sent.append(("Content-Type", "text/html; charset=utf-8"))  # as Flask's default
        sent.append(("Content-Length", str(len(body))))
        start_response(f"{status} {HTTP_STATUS_CODES.get(int(status), 'Unknown')}", sent)
        return [body]

    return app


def sign_download(path: str, signed_at: int, lifetime: int) -> str:
    message = f"{path}\n{signed_at}\n{lifetime}".encode()
    return hmac.new(_signing_key, message, hashlib.sha256).hexdigest()


def download_path(registry_id: str, repository: str, digest: str) -> str:
    return f"{DOWNLOAD_PREFIX}{registry_id}/{quote(repository, safe='/')}/{digest}"


@functools.lru_cache(maxsize=1)
def _ecr_model() -> ServiceModel:
    from ecrtui.ecr.model import service_model

    model: ServiceModel = service_model()
    return model


def ecr_operations() -> frozenset[str]:
    """The names of the operations in ECR's service model (what X-Amz-Target may name)."""
    return frozenset(_ecr_model().operation_names)


@functools.lru_cache(maxsize=1)
def implemented_operations() -> frozenset[str]:
    """The ECR operations this backend answers (moto's, and those added here); call after
    `install`."""
    return frozenset(
        operation
        for operation in ecr_operations()
        if callable(getattr(ECRResponse, botocore.xform_name(operation), None))
    )


def parameter_problem(operation: str, params: Any) -> str | None:
    """The InvalidParameterException message for these parameters of `operation`, or None."""
    return first_violation(_ecr_model().operation_model(operation), params)


def max_manifest_length() -> int:
    """The model's limit on PutImage's imageManifest, in characters (4,194,304)."""
    return int(_ecr_model().shape_for("ImageManifest").metadata["max"])


@functools.lru_cache(maxsize=1)
def largest_request_size() -> int:
    """The largest body a valid ECR request can have, in bytes: an UploadLayerPart of the model's
    largest blob, base64-encoded (4 characters for every 3 bytes), or a PutImage of the longest
    manifest with every character escaped (6 bytes, \\u0000), whichever is larger, plus room for
    the other members."""
    blob = int(_ecr_model().shape_for("LayerPartBlob").metadata["max"])
    return max(4 * -(-blob // 3), 6 * max_manifest_length()) + REQUEST_OVERHEAD


def _action_from_target(self: ECRResponse) -> str:
    """The operation X-Amz-Target names, and nothing the body says."""
    target = str(self.headers.get("X-Amz-Target") or "")
    return target.rsplit(".", 1)[-1]


def _checked(model: ServiceModel, operation: str, handler: Callable[..., Any]) -> Any:
    operation_model = model.operation_model(operation)

    @functools.wraps(handler)
    def checked(self: ECRResponse) -> Any:
        params = _parameters(self)
        _drop_body_copies(self)
        if isinstance(params, dict):
            decode_blobs(operation_model, params)
        problem = first_violation(operation_model, params)
        if problem:
            vars(self)[_PARSED] = params = None  # an UploadLayerPart's blob goes now
            raise _ServiceError(EcrError("InvalidParameterException", problem))
        return handler(self)

    return checked


def _parameters(response: ECRResponse) -> Any:
    """The request's parameters, parsed once: those the server parsed, or (moto called without
    the server) the body parsed here; None for a body that is not JSON."""
    if _PARSED in vars(response):
        return vars(response)[_PARSED]
    environ = getattr(getattr(response, "normalized_request", None), "environ", None) or {}
    if PARAMETERS in environ:
        params = environ.pop(PARAMETERS)
    else:
        try:
            params = json.loads(response.body or "{}")
        except (ValueError, RecursionError):
            params = None
    vars(response)[_PARSED] = params
    return params


def _parsed_param(self: ECRResponse, param_name: str, if_none: Any = None) -> Any:
    """A parameter of the request, as moto's `_get_param` reads a JSON body's member, from the
    parameters parsed once (a blob decoded)."""
    params = _parameters(self)
    if isinstance(params, dict) and param_name in params:
        return params[param_name]
    return if_none


def _rules() -> LayerRules:
    if _active is None:
        raise RuntimeError("the local ECR rules are not installed")
    return _active


def _repository(response: ECRResponse) -> Any:
    return response.ecr_backend._get_repository(
        response._get_param("repositoryName"), response._get_param("registryId")
    )


def _referenced(repository: Any) -> set[str]:
    return referenced_digests(image.image_manifest for image in repository.images)


def _answer(call: Callable[[], dict[str, Any]]) -> ActionResult:
    try:
        return ActionResult(call())
    except EcrError as error:
        raise _ServiceError(error) from None


def _initiate_layer_upload(self: ECRResponse) -> ActionResult:
    repository = _repository(self)
    return _answer(lambda: _rules().initiate(repository))


def _upload_layer_part(self: ECRResponse) -> ActionResult:
    repository = _repository(self)
    upload_id = self._get_param("uploadId")
    first, last = self._get_param("partFirstByte"), self._get_param("partLastByte")
    blob = self._get_param("layerPartBlob") or b""  # decoded once, by `_checked`
    _drop_request_body(self)
    params = _parameters(self)
    if isinstance(params, dict):
        params.pop("layerPartBlob", None)
    if isinstance(blob, str):
        blob = base64.b64decode(blob)
    return _answer(lambda: _rules().upload_part(repository, upload_id, first, last, blob))


def _drop_body_copies(response: ECRResponse) -> None:
    """Drop what moto keeps of the body besides `body`, which handlers read: the raw bytes, the
    request's cached data, and the body read as a query string."""
    response.raw_body = None
    response.querystring = response.data = {}
    request = getattr(response, "normalized_request", None)
    for cached in ("_cached_data", "data"):
        getattr(request, "__dict__", {}).pop(cached, None)


def _drop_request_body(response: ECRResponse) -> None:
    """Let go of a part's ~14 MB request body as soon as it is decoded.

    moto's request object ends up in a reference cycle that only a full garbage collection
    frees, so without this the server's memory would grow by one body per part for a while.
    """
    response.body = None
    _drop_body_copies(response)


def _complete_layer_upload(self: ECRResponse) -> ActionResult:
    repository = _repository(self)
    return _answer(
        lambda: _rules().complete(
            repository, self._get_param("uploadId"), self._get_param("layerDigests")
        )
    )


def _batch_check_layer_availability(self: ECRResponse) -> ActionResult:
    repository = _repository(self)
    digests = self._get_param("layerDigests")
    return _answer(
        lambda: _rules().check_availability(repository, digests, _referenced(repository))
    )


def _get_download_url_for_layer(self: ECRResponse) -> ActionResult:
    repository = _repository(self)
    digest = self._get_param("layerDigest")

    def url() -> dict[str, Any]:
        _rules().downloadable_layer(repository, digest, _referenced(repository))
        path = download_path(repository.registry_id, repository.name, digest)
        signed_at, lifetime = int(time.time()), DOWNLOAD_URL_LIFETIME
        host = self.headers.get("Host", "127.0.0.1")
        signature = sign_download(path, signed_at, lifetime)
        query = f"X-Amz-Date={signed_at}&X-Amz-Expires={lifetime}&X-Amz-Signature={signature}"
        return {"downloadUrl": f"http://{host}{path}?{query}", "layerDigest": digest}

    return _answer(url)


def _put_image(self: ECRResponse) -> ActionResult:
    repository = _repository(self)
    manifest = self._get_param("imageManifest")
    try:
        digest = _rules().image_digest(repository, manifest, self._get_param("imageDigest"))
    except EcrError as error:
        raise _ServiceError(error) from None
    image = self.ecr_backend.put_image(
        repository.name,
        manifest,
        self._get_param("imageTag"),
        self._get_param("imageManifestMediaType"),
        digest,
    )
    return ActionResult({"image": image})


def _describe_repositories(self: ECRResponse) -> ActionResult:
    names = self._get_param("repositoryNames")
    if names and (
        self._get_param("maxResults") is not None or self._get_param("nextToken") is not None
    ):
        raise _invalid("maxResults", "cannot be combined with repositoryNames")
    registry_id = self._get_param("registryId")
    if names or registry_id:
        repositories = list(
            self.ecr_backend.describe_repositories(repository_names=names, registry_id=registry_id)
        )
    else:  # the whole registry in moto's order, without moto's filter loop for every page
        repositories = list(self.ecr_backend.repositories.values())
    page, token = _page(self, repositories)
    return _RepositoryPage(page, token)


class _RepositoryPage(ActionResult):
    """A page of DescribeRepositories: moto's serializer writes the answer's frame (status,
    headers, members), each repository is written by `repository_json`, as moto would write it
    (tests/local/test_repository_json.py compares the two) without its lookups for every member
    of every item: they took 50 ms of each page of 1,000."""

    def __init__(self, repositories: list[Any], token: str | None) -> None:
        super().__init__({"repositories": [], "nextToken": token})
        self.repositories = repositories

    def execute_result(self, context: Any) -> Any:
        serializer = context.serializer_class(
            operation_model=context.operation_model,
            pretty_print=moto_settings.PRETTIFY_RESPONSES,
        )
        serialized = serializer.serialize(self.result)
        body = json.loads(serialized["body"])
        body["repositories"] = [repository_json(item) for item in self.repositories]
        text = json.dumps(body, indent=4 if moto_settings.PRETTIFY_RESPONSES else None)
        return serialized["status_code"], serialized["headers"], text


def repository_json(repository: Any) -> dict[str, Any]:
    """A moto Repository as moto's serializer writes it in ECR's JSON: the model's members of
    `Repository` in its order, those without a value left out."""
    item = {
        "repositoryArn": repository.arn,
        "registryId": repository.registry_id,
        "repositoryName": repository.name,
        "repositoryUri": repository.uri,
        "createdAt": TimestampSerializer._timestamp_unixtimestamp(repository.created_at),
        "imageTagMutability": repository.image_tag_mutability,
        "imageTagMutabilityExclusionFilters": _items(
            repository.image_tag_mutability_exclusion_filters, ("filterType", "filter")
        ),
        "imageScanningConfiguration": _members(
            repository.image_scanning_configuration, ("scanOnPush",)
        ),
        "encryptionConfiguration": _members(
            repository.encryption_configuration, ("encryptionType", "kmsKey")
        ),
    }
    return {name: value for name, value in item.items() if value is not None}


def _members(value: dict[str, Any] | None, names: tuple[str, ...]) -> dict[str, Any] | None:
    if value is None:
        return None
    return {name: value[name] for name in names if value.get(name) is not None}


def _items(values: list[Any] | None, names: tuple[str, ...]) -> list[Any] | None:
    return None if values is None else [_members(value, names) for value in values]


def _describe_images(self: ECRResponse) -> ActionResult:
    image_ids = self._get_param("imageIds")
    if image_ids and (
        self._get_param("maxResults") is not None or self._get_param("nextToken") is not None
    ):
        raise _invalid("maxResults", "cannot be combined with imageIds")
    images = self.ecr_backend.describe_images(
        self._get_param("repositoryName"), self._get_param("registryId"), image_ids
    )
    details = []
    for image in images:
        # The real service leaves imageTags out of an untagged image's details.
        detail = copy.copy(image)
        detail.__class__ = _image_with_real_size(type(image))
        if not detail.image_tags:
            del detail.image_tags
        details.append(detail)
    page, token = _page(self, details)
    return ActionResult({"imageDetails": page, "nextToken": token})


@functools.cache
def _image_with_real_size(image_class: type) -> type:
    """moto's Image, reporting imageSizeInBytes as ECR does: the sum of the layers' sizes."""

    class ImageWithRealSize(image_class):  # type: ignore[misc]
        @property
        def image_size_in_bytes(self) -> int | None:
            try:
                layers = json.loads(self.image_manifest).get("layers")
            except (TypeError, ValueError, AttributeError, RecursionError):
                return None
            if not isinstance(layers, list):
                return None
            sizes = (layer.get("size") for layer in layers if isinstance(layer, dict))
            return sum(size for size in sizes if isinstance(size, int) and size >= 0)

    return ImageWithRealSize


def _page(response: ECRResponse, items: list[Any]) -> tuple[list[Any], str | None]:
    """One page of `items` by maxResults / nextToken; the token is an opaque offset."""
    size = response._get_param("maxResults") or DEFAULT_PAGE_SIZE
    start = _offset(response._get_param("nextToken"))
    end = start + size
    token = _token(end) if end < len(items) else None
    return items[start:end], token


def _token(offset: int) -> str:
    return base64.urlsafe_b64encode(json.dumps({"offset": offset}).encode()).decode()


def _offset(token: str | None) -> int:
    if token is None:
        return 0
    try:
        offset = json.loads(base64.urlsafe_b64decode(token.encode()))["offset"]
    except (binascii.Error, ValueError, KeyError, TypeError):
        raise _invalid("nextToken", "must be a token from a previous response") from None
    if not isinstance(offset, int) or offset < 0:
        raise _invalid("nextToken", "must be a token from a previous response")
    return offset


def _invalid(path: str, rule: str) -> _ServiceError:
    return _ServiceError(EcrError("InvalidParameterException", constraint_message(path, rule)))


def _get_authorization_token(self: ECRResponse) -> ActionResult:
    """A Basic token for user AWS that this backend's registry face accepts, and the URL of
    that face (the backend itself) as the proxy endpoint."""
    registry_ids = self._get_param("registryIds") or [self.current_account]
    host = self.headers.get("Host", "127.0.0.1")
    token = base64.b64encode(f"AWS:{registry_password()}".encode()).decode()
    expires = time.time() + AUTHORIZATION_LIFETIME
    return ActionResult(
        {
            "authorizationData": [
                {
                    "authorizationToken": token,
                    "expiresAt": expires,
                    "proxyEndpoint": f"http://{host}",
                }
                for _ in registry_ids
            ]
        }
    )


def registry_password() -> str:
    """The password GetAuthorizationToken hands out (user AWS), derived from this backend's key."""
    return hmac.new(_signing_key, b"registry password", hashlib.sha256).hexdigest()


# -- what the registry face reaches in moto ----------------------------------------------------


def find_repository(name: str) -> Any | None:
    """The repository of this name in any account and region moto holds, or None."""
    for regions in get_backend("ecr").values():
        for backend in regions.values():
            repository = backend.repositories.get(name)
            if repository is not None:
                return repository
    return None


def repository_names() -> list[str]:
    """Every repository's name, in any account and region moto holds."""
    return sorted(
        name
        for regions in get_backend("ecr").values()
        for backend in regions.values()
        for name in backend.repositories
    )


def store_image(repository: Any, manifest: str, tag: str | None, media_type: str | None) -> str:
    """PutImage for the registry face: the manifest stored under its digest (and tag); the
    digest. The same image pushed again under its tag is not an error there; another image
    under a tag of an immutable repository is (ImageTagAlreadyExistsException).

    Raises EcrError, or ValueError for a manifest moto cannot store."""
    backend = get_backend("ecr")[repository.account_id][repository.region_name]
    digest = _rules().image_digest(repository, manifest, None)
    existing = find_image(repository, tag) if tag else None
    if existing is not None and existing.get_image_digest() == digest:
        return digest
    if existing is not None and repository.is_tag_immutable():
        raise EcrError(
            "ImageTagAlreadyExistsException",
            f"The image tag '{tag}' already exists in the '{repository.name}' repository and "
            "cannot be overwritten because the repository is immutable.",
        )
    try:
        backend.put_image(repository.name, manifest, tag, media_type, digest)  # type: ignore[arg-type]
    except ImageAlreadyExistsException:
        pass  # the same manifest under another tag: moto keeps one image
    except Exception as refused:  # moto's own checks of the manifest (its media type)
        raise ValueError(str(getattr(refused, "message", refused))) from None
    return digest


def find_image(repository: Any, reference: str) -> Any | None:
    """The image of this tag or digest, or None."""
    for image in repository.images:
        if reference in image.image_tags or image.get_image_digest() == reference:
            return image
    return None


_HANDLERS: dict[str, Callable[[ECRResponse], ActionResult]] = {
    "get_authorization_token": _get_authorization_token,
    "initiate_layer_upload": _initiate_layer_upload,
    "upload_layer_part": _upload_layer_part,
    "complete_layer_upload": _complete_layer_upload,
    "batch_check_layer_availability": _batch_check_layer_availability,
    "get_download_url_for_layer": _get_download_url_for_layer,
    "put_image": _put_image,
    "describe_repositories": _describe_repositories,
    "describe_images": _describe_images,
}

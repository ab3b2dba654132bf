"""Nothing is sent without consent, and a read-only console says what it will not do.

Outside demo mode (and in demo mode too when the config file says confirm = "always"), every
action that sends something to ECR (complete, push, resume, probe, track) is shown first: the
target (endpoint, region, account) and the exact request, or, for a push or a resume, the calls
it will make, worked out before any is sent. Forget asks too: it changes the journal only, but
the journal may hold the only record of an upload id. A completion whose verdict predicts ECR's
refusal needs an explicit override, in demo mode as well: the prediction is the point.
A read-only console refuses each action and says why.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual.app import App

from ecrtui.ecr.limits import DEFAULT_PART_SIZE, size_words
from ecrtui.plain_text import visible
from ecrtui.tui.session import ConsoleOptions, Identity
from ecrtui.tui.text import to_json
from ecrtui.uploads.engine import PROBE_OFFSET, probe_request
from ecrtui.uploads.journal import UploadRecord
from ecrtui.uploads.progress_text import size as size_text
from ecrtui.uploads.verdict import Verdict

if TYPE_CHECKING:
    from ecrtui.tui.screens.confirm_screen import ConfirmScreen
    from ecrtui.tui.screens.push_screen import PushAsk, PushJob

# What a read-only console says when asked to do each of these.
REFUSALS = {
    "complete": "read-only: ecrtui will not send CompleteLayerUpload (complete)",
    "push": "read-only: ecrtui will not send InitiateLayerUpload or UploadLayerPart (push)",
    "resume": "read-only: ecrtui will not send UploadLayerPart (resume)",
    "probe": "read-only: ecrtui will not send UploadLayerPart (probe)",
    "track": "read-only: ecrtui will not send UploadLayerPart (the probe that tracks an upload)",
    "forget": "read-only: ecrtui will not change its journal (forget)",
}
# The actions whose keys a read-only console refuses (c only fills the form; its send is refused).
REFUSED_ACTIONS = frozenset({"resume", "push", "probe", "track", "forget"})
FROM_THE_FILE = "digest: computed from the file"
TIMES = "\N{MULTIPLICATION SIGN}"  # of "3 x UploadLayerPart"
PROBE_NOTE = (
    f"The probe: ECR refuses an empty part at byte 2**50 ({PROBE_OFFSET}) and, refusing it, "
    "says how many bytes it holds. The upload is not changed."
)


def target_lines(identity: Identity | None) -> list[str]:
    """Where a request goes: endpoint, region and account (never a credential)."""
    if identity is None:
        return ["endpoint ? (not connected)"]
    lines = [f"endpoint {identity.endpoint}", f"region {identity.region}"]
    if identity.account:
        lines.append(f"account {identity.account}")
    return lines


def ask(
    app: App[Any],
    confirm: ConfirmScreen,
    then: Callable[[], None],
    *,
    demo: bool,
    otherwise: Callable[[], None] | None = None,
) -> None:
    """`then` once the operator agreed, `otherwise` if not. In demo mode nothing asks, unless ECR
    is predicted to refuse (that confirmation is the warning) or the config file says
    confirm = "always"."""
    if demo and not confirm.needs_override and not always_asks(app):
        then()
        return

    def answered(send: bool | None) -> None:
        if send:
            then()
        elif otherwise is not None:
            otherwise()

    app.push_screen(confirm, answered)


def always_asks(app: App[Any]) -> bool:
    """The config file's confirm = "always": the console asks in demo mode too."""
    options = getattr(app, "options", None)
    return isinstance(options, ConsoleOptions) and options.confirm == "always"


# -- the confirmations ------------------------------------------------------------------------
# Each imports ConfirmScreen when it is called: the console's first frame does not wait for it.


def complete_consent(
    identity: Identity | None, request: dict[str, Any], verdict: Verdict | None
) -> ConfirmScreen:
    """CompleteLayerUpload as it will be sent; a verdict that blocks it makes it an override."""
    from ecrtui.tui.screens.confirm_screen import ConfirmScreen

    predicted = None
    if verdict is not None and verdict.blocks_completion:
        predicted = f"ECR will answer {verdict.predicted_error} ({verdict.summary})"
        if verdict.next_step:
            predicted += f"\n{verdict.next_step}"
    return ConfirmScreen(
        "CompleteLayerUpload", request, target_lines(identity), predicted=predicted
    )


def probe_consent(
    identity: Identity | None,
    repository: str,
    upload_id: str,
    registry_id: str | None,
    *,
    tracking: bool = False,
) -> ConfirmScreen:
    """The probe's UploadLayerPart, which ECR refuses; tracking lists the upload afterwards."""
    from ecrtui.tui.screens.confirm_screen import ConfirmScreen

    note = PROBE_NOTE
    if tracking:
        note += "\nThe upload is then listed here, tracked by id."
    return ConfirmScreen(
        f"UploadLayerPart ({'track' if tracking else 'probe'})",
        probe_request(repository, upload_id, registry_id),
        target_lines(identity),
        note=note,
    )


def discover_consent(identity: Identity | None, uploads: list[Any]) -> ConfirmScreen:
    """The probes that adding these uploads found in CloudTrail sends, one per upload."""
    from ecrtui.tui.screens.confirm_screen import ConfirmScreen

    probes = [probe_request(u.repository, u.upload_id, u.registry_id) for u in uploads]
    plan = "\n".join(
        f"{number}. {_call('UploadLayerPart', probe)}"
        for number, probe in enumerate(probes, start=1)
    )
    return ConfirmScreen(
        f"{len(uploads)} upload(s) found in CloudTrail",
        None,
        target_lines(identity),
        plan=plan,
        note=PROBE_NOTE + "\nEach upload is then added to the journal, as found in CloudTrail.",
        lead="You are about to send these calls to",
        verb="Probe",
    )


def forget_consent(identity: Identity | None, record: UploadRecord) -> ConfirmScreen:
    """The journal row that forgetting hides; nothing is sent."""
    from ecrtui.tui.screens.confirm_screen import ConfirmScreen

    row = {
        "repositoryName": record.repository,
        "uploadId": record.upload_id,
        "state": record.state.value,
        "bytesHeldByEcr": record.bytes_confirmed,
        "layerDigest": record.local_digest,
        "sourceFile": record.source_path,
    }
    return ConfirmScreen(
        f"upload {record.upload_id}",
        {key: value for key, value in row.items() if value is not None},
        target_lines(identity),
        lead="You are about to forget, in ecrtui's journal only, an upload at",
        note=(
            "Forget changes the journal only: nothing is sent, and ECR keeps the upload until it "
            "expires. The journal may hold the only record of this upload id: copy it first "
            "(y on its row) if it may be needed."
        ),
        verb="Forget",
    )


def push_asker(
    app: App[Any], identity: Identity | None, *, demo: bool, record: UploadRecord | None = None
) -> PushAsk:
    """How the push screen asks before a push, or before resuming `record`."""

    def ask_push(job: PushJob, answer: Callable[[bool], None]) -> None:
        confirm = push_consent(identity, job, record)
        ask(app, confirm, lambda: answer(True), demo=demo, otherwise=lambda: answer(False))

    return ask_push


def push_consent(
    identity: Identity | None, job: PushJob, record: UploadRecord | None
) -> ConfirmScreen:
    """The calls a push or a resume will make, in order."""
    from ecrtui.tui.screens.confirm_screen import ConfirmScreen

    lead = "You are about to send these calls to"
    if job.resume_upload_id is None or record is None:
        name = job.path.name if job.path else "a layer"
        plan = push_plan(job)
        title = f"{name} to {job.repository}"
        return ConfirmScreen(title, None, target_lines(identity), plan=plan, lead=lead, verb="Push")
    return ConfirmScreen(
        f"upload {record.upload_id}",
        None,
        target_lines(identity),
        plan=resume_plan(job, record),
        lead=lead,
        verb="Resume",
    )


# -- the plans ----------------------------------------------------------------------------------


def push_plan(job: PushJob) -> str:
    """A new upload: the layer check, InitiateLayerUpload, the parts, and CompleteLayerUpload."""
    where = {"repositoryName": job.repository}
    part_size = job.part_size or DEFAULT_PART_SIZE
    upload = {**where, "uploadId": "(InitiateLayerUpload's answer)"}
    return _numbered(
        [
            _call("BatchCheckLayerAvailability", {**where, "layerDigests": [FROM_THE_FILE]}),
            "only reads: if the repository already has the layer, nothing more is sent",
        ],
        [_call("InitiateLayerUpload", where)],
        _parts(job.path, _file_size(job.path), 0, part_size, ecr_gives=not job.part_size),
        _completion(job.complete, {**upload, "layerDigests": [FROM_THE_FILE]}),
    )


def resume_plan(job: PushJob, record: UploadRecord) -> str:
    """An upload under way: the probe, the file's checks, the parts left, CompleteLayerUpload."""
    where: dict[str, Any] = {"repositoryName": record.repository, "uploadId": record.upload_id}
    if record.registry_id:
        where["registryId"] = record.registry_id
    probe = [
        _call(
            "UploadLayerPart",
            probe_request(record.repository, record.upload_id, record.registry_id),
        ),
        "the probe: ECR refuses it and says how many bytes it holds (nothing changes)",
    ]
    path = job.path or (Path(record.source_path) if record.source_path else None)
    size = _file_size(path) if job.path else record.source_size
    if job.path is not None:
        probe.append(
            f"then the file is checked: at least the bytes ECR holds, {_digest_check(record)}"
        )
    part_size = record.part_size or DEFAULT_PART_SIZE
    held = record.bytes_confirmed
    digest = record.local_digest or FROM_THE_FILE
    return _numbered(
        probe,
        _parts(path, size, held, part_size, ecr_gives=False, held_when_asked=True),
        _completion(job.complete, {**where, "layerDigests": [digest]}),
    )


def _numbered(*steps: list[str]) -> str:
    """Each step's first line numbered, its other lines indented under it."""
    lines = []
    for number, (first, *more) in enumerate(steps, start=1):
        lines.append(f"{number}. {first}")
        lines.extend(f"   {line}" for line in more)
    return "\n".join(lines)


def _digest_check(record: UploadRecord) -> str:
    if record.local_digest:
        return f"and its sha256 must be the journal's {record.local_digest}"
    return "and its sha256 becomes the layer's digest (the journal does not know it)"


def _call(operation: str, params: dict[str, Any]) -> str:
    """One call on one line: the operation and its parameters as JSON."""
    json = to_json(params, indent=0)  # a newline is never inside a JSON string
    for broken, joined in (("{\n", "{"), ("[\n", "["), (",\n", ", "), ("\n}", "}"), ("\n]", "]")):
        json = json.replace(broken, joined)
    return f"{operation} {json}"


def _parts(
    path: Path | None,
    size: int | None,
    offset: int,
    part_size: int,
    *,
    ecr_gives: bool,
    held_when_asked: bool = False,
) -> list[str]:
    """'3 x UploadLayerPart from byte 0' (with a multiplication sign) and what the parts hold."""
    whose = " (the partSize ECR gives)" if ecr_gives else ""
    if size is None:
        return [f"? {TIMES} UploadLayerPart from byte {offset}: the file's size is not known"]
    since = " (what ECR held when last asked; the probe decides)" if held_when_asked else ""
    if offset > size:
        return [
            f"no UploadLayerPart: the file holds {size_text(size)}, fewer than the "
            f"{size_text(offset)} ECR held when last asked: the check will refuse it"
        ]
    if offset == size:
        return [f"no UploadLayerPart: ECR held all {size_text(size)} when last asked"]
    count = -(-(size - offset) // part_size)
    last = (size - offset) - (count - 1) * part_size
    lines = [f"{count} {TIMES} UploadLayerPart from byte {offset}{since}"]
    shape = f"parts of {size_words(part_size)}{whose}"
    if count > 1 and last != part_size:
        shape += f", the last {size_text(last)}"
    where = f" of {visible(str(path))}" if path is not None else ""
    lines.append(f"{shape}: bytes {offset}-{size - 1}{where} ({size_text(size - offset)})")
    return lines


def _completion(complete: bool, request: dict[str, Any]) -> list[str]:
    if complete:
        return [_call("CompleteLayerUpload", request)]
    return ["no CompleteLayerUpload: 'Complete when done' is not ticked (complete later with c)"]


def _file_size(path: Path | None) -> int | None:
    if path is None:
        return None
    try:
        return path.stat().st_size
    except OSError:
        return None

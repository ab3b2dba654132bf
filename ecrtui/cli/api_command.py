"""The aws-CLI-compatible commands, generated from ECR's operation models.

`ecrtui complete-layer-upload` takes the same flags as `aws ecr complete-layer-upload`, the same
`--cli-input-json` / `--cli-input-yaml` and `--generate-cli-skeleton`, prints the same output, and
exits with the aws CLI v2's documented statuses. Before anything is sent, the request is checked
against the model, so invalid input never reaches the network.
"""

from __future__ import annotations

import argparse
import logging
import sys
from typing import TYPE_CHECKING, Any, NoReturn, TextIO

from ecrtui.cli import exit_codes
from ecrtui.cli.arguments import (
    add_member_arguments,
    option_name,
    parameters_from_arguments,
)
from ecrtui.cli.global_options import GlobalOptions, UsageError, add_global_help
from ecrtui.cli.input_files import document_limit, input_document
from ecrtui.cli.output import compile_query, render, render_pages_as_text, write
from ecrtui.ecr.model import cli_name, operation_model
from ecrtui.ecr.skeleton import (
    SKELETON_MODES,
    input_skeleton,
    output_skeleton,
    plain_text,
    yaml_input_skeleton,
)

if TYPE_CHECKING:
    from ecrtui.ecr.caller import EcrCaller


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(message)


def build_parser(operation: str) -> argparse.ArgumentParser:
    from ecrtui.ecr.validation import field_rules

    model = operation_model(operation)
    parser = _Parser(
        prog=f"ecrtui {cli_name(operation)}",
        description=plain_text(model.documentation or ""),
        epilog=f"Same flags, input files and output as `aws ecr {cli_name(operation)}`; "
        "the request is checked against ECR's API model before it is sent.",
    )
    add_member_arguments(parser, model.input_shape, field_rules(operation))
    inputs = parser.add_argument_group("input and skeletons")
    source = inputs.add_mutually_exclusive_group()
    source.add_argument(
        "--cli-input-json",
        metavar="JSON",
        help="the request as JSON text or file://path; options on the command line win",
    )
    source.add_argument(
        "--cli-input-yaml",
        metavar="YAML",
        help="the request as YAML text or file://path; options on the command line win",
    )
    inputs.add_argument(
        "--generate-cli-skeleton",
        nargs="?",
        const="input",
        choices=SKELETON_MODES,
        help="print a request skeleton (input, yaml-input) or a sample response (output); "
        "sends nothing",
    )
    if _can_paginate(operation):
        paging = parser.add_argument_group("pagination (every page is fetched by default)")
        paging.add_argument("--starting-token", metavar="TOKEN", help="resume from this token")
        paging.add_argument("--page-size", type=int, metavar="N", help="items per call")
        paging.add_argument("--max-items", type=int, metavar="N", help="stop after N items")
    add_global_help(parser)
    return parser


def run(
    operation: str,
    argv: list[str],
    options: GlobalOptions,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
) -> int:
    """Run one command; returns its exit status. Nothing but the response goes to stdout."""
    out, err = stdout or sys.stdout, stderr or sys.stderr
    if options.debug:
        _log_to(err)
    try:
        return _run(operation, argv, options, out)
    except UsageError as error:
        exit_codes.write_line(err, f"usage: ecrtui {cli_name(operation)} [parameters]")
        exit_codes.write_line(err, f"ecrtui: error: {error}")
        return exit_codes.USAGE
    except KeyboardInterrupt:
        out.write("\n")
        return exit_codes.INTERRUPTED
    except Exception as raised:
        return exit_codes.report_failure(raised, operation, err, options.debug)


def _run(operation: str, argv: list[str], options: GlobalOptions, out: TextIO) -> int:
    from ecrtui.ecr.caller import check_request

    model = operation_model(operation)
    parsed = build_parser(operation).parse_args(argv)
    _check_query(options.query)
    if parsed.generate_cli_skeleton in ("input", "yaml-input"):
        skeleton = (
            input_skeleton if parsed.generate_cli_skeleton == "input" else yaml_input_skeleton
        )
        write(out, skeleton(operation))
        return 0
    params = _input_document(parsed, model.input_shape)
    params.update(parameters_from_arguments(model.input_shape, parsed))
    missing = [
        option_name(member)
        for member in (model.input_shape.required_members if model.input_shape else [])
        if params.get(member) is None
    ]
    if missing:
        raise UsageError(f"the following arguments are required: {', '.join(missing)}")
    check_request(operation, params)
    if parsed.generate_cli_skeleton == "output":
        write(out, output_skeleton(operation))
        return 0
    caller = _caller(options)
    if operation == "CompleteLayerUpload":
        response = _complete(caller, params)
    else:
        response = _call(caller, operation, params, parsed, options)
    if not isinstance(response, dict):  # every page of a paginated operation
        if options.output == "text":
            write(out, render_pages_as_text(response, options.query))
            return 0
        response = response.build_full_result()
    response.pop("ResponseMetadata", None)
    write(out, render(response, options.output, options.query))
    return 0


def _check_query(query: str | None) -> None:
    """A --query that does not parse is a usage error, found before anything is sent."""
    if query is not None:
        compile_query(query)


def _input_document(parsed: argparse.Namespace, input_shape: Any) -> dict[str, Any]:
    """The request read from --cli-input-json or --cli-input-yaml (text or file://path), within
    the limits of `ecrtui.cli.input_files`."""
    for option, text in (
        ("--cli-input-json", parsed.cli_input_json),
        ("--cli-input-yaml", parsed.cli_input_yaml),
    ):
        if text is not None:
            return input_document(option, text, document_limit(input_shape))
    return {}


def _can_paginate(operation: str) -> bool:
    from ecrtui.ecr.caller import EcrCaller

    return EcrCaller.can_paginate(operation)


def _caller(options: GlobalOptions) -> EcrCaller:
    """The caller for this command: the request was already checked against the model."""
    from ecrtui.ecr.caller import EcrCaller
    from ecrtui.ecr.client import make_client

    client = make_client(options.target(), raw_timestamps=True, one_shot=True)
    return EcrCaller(client, validate=False)


def _complete(caller: EcrCaller, params: dict[str, Any]) -> dict[str, Any]:
    """CompleteLayerUpload, with its outcome kept in the journal if the journal knows the upload.

    What ECR answered decides the output and the exit status, as with the aws CLI (a
    LayerAlreadyExistsException included: the journal's row is then completed, "already
    there"); a journal that cannot be opened or written is a warning on stderr (it keeps the
    change for later)."""
    from ecrtui.uploads.journal import UploadJournal
    from ecrtui.uploads.lifecycle import complete_upload

    def warn(message: str) -> None:
        exit_codes.write_line(sys.stderr, f"warning: {message}")

    with UploadJournal(warn=warn) as journal:
        return complete_upload(caller, journal, params).response


def _call(
    caller: EcrCaller,
    operation: str,
    params: dict[str, Any],
    parsed: argparse.Namespace,
    options: GlobalOptions,
) -> Any:
    """The response, or for a paginated operation botocore's page iterator (read lazily)."""
    manual = "nextToken" in params or "maxResults" in params
    if options.paginate and caller.can_paginate(operation) and not manual:
        config = {
            "MaxItems": getattr(parsed, "max_items", None),
            "PageSize": getattr(parsed, "page_size", None),
            "StartingToken": getattr(parsed, "starting_token", None),
        }
        whole = all(value is None for value in config.values()) and _whole(operation, params)
        if whole and options.output != "text":
            config["PageSize"] = _largest_page(operation)
        return caller.pages(operation, params, {k: v for k, v in config.items() if v is not None})
    return caller.call(operation, params)


def _whole(operation: str, params: dict[str, Any]) -> bool:
    """Whether the request lists everything: it names no more than the registry and what the
    operation requires (no --repository-names, --image-ids or --filter)."""
    shape = operation_model(operation).input_shape
    return set(params) <= {"registryId", *(shape.required_members if shape else ())}


def _largest_page(operation: str) -> int | None:
    """The most items one call may return, by the model (1,000 repositories or images).

    A whole listing printed as json or yaml is fetched in pages of this size, where the aws CLI
    leaves the page size to the service (100 for ECR): the same output, from a tenth of the
    calls. The text format prints page by page, --page-size, --max-items and --starting-token
    ask for pages of their own, and a request naming repositories or images may not give a page
    size at all: these keep the service's page size."""
    from ecrtui.ecr.model import paginator_model

    limit_key = paginator_model().get_paginator(operation).get("limit_key")
    members = operation_model(operation).input_shape.members
    if limit_key not in members:
        return None
    largest = members[limit_key].metadata.get("max")
    return int(largest) if largest is not None else None


class _SafeLogFormatter(logging.Formatter):
    """--debug shows requests, never credentials: tokens, signatures and secrets are masked in
    the whole formatted record (tracebacks included), and control characters are escaped."""

    def format(self, record: logging.LogRecord) -> str:
        from ecrtui.ecr.redaction import redact
        from ecrtui.plain_text import visible_lines

        return visible_lines(redact(super().format(record)))


def _log_to(stream: TextIO) -> None:
    handler = logging.StreamHandler(stream)
    handler.setFormatter(_SafeLogFormatter("%(asctime)s - %(name)s - %(levelname)s - %(message)s"))
    for name in ("botocore", "ecrtui", "urllib3"):
        logger = logging.getLogger(name)
        logger.setLevel(logging.DEBUG)
        logger.addHandler(handler)

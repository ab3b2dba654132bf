"""A process that runs hostile inputs in-process, one at a time, for the hostile scenario.

    python -c "from benchmarks.reliability_worker import serve; serve()"

Reads "KIND INDEX SEED" lines, makes each input again (`reliability_cases.make_case`), says
"made", runs it, and answers one JSON line: the outcome, what happened, and how long it took.
The parent gives each input a time budget from "made" on, and kills this process when one
overruns it. Memory is capped (RLIMIT_AS), so an input that makes ecrtui read without end fails
with MemoryError instead of taking the machine.
The command line's requests go to a `CountingServer` in this process; any other host is refused.
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import os
import resource
import socket
import time
from pathlib import Path
from typing import Any

from benchmarks.reliability_cases import ENDPOINT, Case, make_case
from benchmarks.reliability_oracle import CountingServer, check_value, problem, service
from benchmarks.reliability_verdicts import describe, judge, observe

MEMORY_LIMIT = 3 * 1024**3
LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})


def serve() -> None:
    requests = os.fdopen(os.dup(0), "r", encoding="utf-8")
    answers = os.fdopen(os.dup(1), "w", encoding="utf-8")
    quiet = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):  # nothing ecrtui writes, and no /dev/stdin it reads, is the protocol
        os.dup2(quiet, fd)
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))
    runner = Runner(Path(os.environ["RELIABILITY_FILES"]), Path(os.environ["RELIABILITY_WORK"]))
    answers.write("ready\n")
    answers.flush()
    for line in requests:
        kind, index, seed = line.split()
        began = time.monotonic()
        try:
            case = make_case(kind, int(index), int(seed), runner.files)
        except BaseException as error:
            outcome, detail = "harness", f"the input could not be made: {describe(error)}"
        else:
            answers.write("made\n")  # the time budget starts now
            answers.flush()
            began = time.monotonic()
            try:
                outcome, detail = runner.run(case)
            except BaseException as error:  # ecrtui's function raised (or ran out of memory)
                outcome, detail = "crash", describe(error)
        result = {"outcome": outcome, "detail": detail, "seconds": time.monotonic() - began}
        answers.write(json.dumps(result) + "\n")
        answers.flush()


class Runner:
    """Runs one input of each kind against ecrtui's own functions."""

    def __init__(self, files: Path, work: Path) -> None:
        self.files = files
        self.work = work
        self.server = CountingServer().__enter__()
        self.raised: list[dict[str, Any]] = []
        self.elsewhere: list[str] = []
        self.written = 0
        self._guard_sockets()
        from ecrtui.cli import main as cli_main

        self.main = cli_main.main
        cli_main._console = self._console  # type: ignore[assignment]
        observe(self.raised.append)
        self.rules = _form_rules()

    def run(self, case: Case) -> tuple[str, str]:
        runs = {
            "validator": self.validator,
            "cli": self.cli,
            "documents": self.documents,
            "part-size": self.part_size,
            "form": self.form,
        }
        return runs[case.kind](case)

    # -- the command line ------------------------------------------------------------------------

    def cli(self, case: Case) -> tuple[str, str]:
        argv = [self.server.url if word == ENDPOINT else word for word in case.payload]
        return self.command(argv)

    def command(self, argv: list[str]) -> tuple[str, str]:
        self.raised.clear()
        self.elsewhere.clear()
        self.server.take()
        out, err = io.StringIO(), io.StringIO()
        code: int | None = None
        escaped = None
        try:
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                code = self.main(argv)
        except SystemExit as exit:
            code = exit.code if isinstance(exit.code, int) else (0 if exit.code is None else 1)
        except Exception as error:
            escaped = describe(error)
        finally:
            for name in ("botocore", "ecrtui", "urllib3"):  # --debug adds a handler each run
                logging.getLogger(name).handlers.clear()
                logging.getLogger(name).setLevel(logging.NOTSET)
        invalid = [f"{r.target}: {r.problem}" for r in self.server.take() if r.problem]
        invalid += [f"connection to {host}" for host in self.elsewhere]
        return judge(argv, code, err.getvalue(), self.raised, invalid, escaped)

    def _console(self, options: Any) -> int:
        return 0  # the console would open: a designed outcome, not run here

    def _guard_sockets(self) -> None:
        original = socket.getaddrinfo

        def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
            name = host.decode() if isinstance(host, bytes) else str(host)
            if name not in LOOPBACK:
                self.elsewhere.append(name)
                raise socket.gaierror(socket.EAI_NONAME, f"{name} is not the loopback")
            return original(host, *args, **kwargs)

        socket.getaddrinfo = getaddrinfo

    # -- documents -------------------------------------------------------------------------------

    def documents(self, case: Case) -> tuple[str, str]:
        reader, command, text, as_file = case.payload
        given = text
        if as_file:
            self.written += 1
            document = self.work / f"document-{self.written % 50}.txt"
            document.write_text(text, encoding="utf-8", errors="surrogatepass")
            given = ("file://" if reader != "console" else "") + str(document)
        if reader == "console":
            return self.load(given)
        return self.command(
            [command, f"--cli-input-{reader}", given, "--endpoint-url", self.server.url]
        )

    def load(self, text: str) -> tuple[str, str]:
        """The console's Load request: parse the text, fill the completion form, check it."""
        from ecrtui.tui.screens.load_request_screen import RequestError, parse_request
        from ecrtui.tui.widgets.complete_form import _as_text

        try:
            request = parse_request(text)
        except RequestError:
            return "ok", ""
        for member in ("registryId", "repositoryName", "uploadId", "layerDigests"):
            rules = self.rules[f"complete {member}"]
            typed = _as_text(request.get(member))
            rules.findings(typed)
            rules.validate(typed)
        return "ok", ""

    # -- pure functions --------------------------------------------------------------------------

    def validator(self, case: Case) -> tuple[str, str]:
        from ecrtui.ecr.validation import validate

        operation, params = case.payload
        found = validate(operation, params)
        if not isinstance(found, list):
            return "crash", f"validate returned {type(found).__name__}"
        if not found:
            broken = problem(operation, params, wire=False)
            if broken:
                return "invalid-passed", f"validate accepted it: {broken}"
        return "ok", ""

    def part_size(self, case: Case) -> tuple[str, str]:
        from ecrtui.ecr.limits import MAX_LAYER_SIZE
        from ecrtui.uploads.sizes import parse_size

        text = case.payload
        try:
            size = parse_size(text)
        except ValueError:
            if case.label == "canonical" and _canonical(text) <= MAX_LAYER_SIZE:
                return "wrong", "a plain size, at most the largest layer ECR stores, was refused"
            return "ok", ""
        if not isinstance(size, int) or isinstance(size, bool) or size < 1:
            return "wrong", f"parse_size returned {size!r}"
        if case.label == "canonical" and size != _canonical(text):
            return "wrong", f"parse_size returned {size}, not {_canonical(text)}"
        return "ok", ""

    def form(self, case: Case) -> tuple[str, str]:
        field, typed = case.payload
        if field == "load":
            return self.load(typed)
        rules = self.rules[field]
        found = rules.findings(typed)
        rules.validate(typed)
        if rules.operation and not [f for f in found if f.rule != "note"]:
            value = rules.convert(typed)
            shape = service("ecr").operation_model(rules.operation).input_shape
            member = shape.members[rules.member]
            broken = check_value(member, value, rules.member) if value is not None else None
            if broken:
                return "invalid-passed", f"the field accepted it: {broken}"
        return "ok", ""


def _canonical(text: str) -> int:
    units = {"": 1, "b": 1, "k": 1024, "kib": 1024, "m": 1024**2, "mib": 1024**2, "g": 1024**3}
    digits = "".join(c for c in text if c.isdigit())
    return int(digits) * units[text[len(digits) :].lower()]


def _form_rules() -> dict[str, Any]:
    """The console's field validators, made as its screens make them."""
    from ecrtui.tui.push_words import file_problems, layer_path, part_size_problems
    from ecrtui.tui.widgets.complete_form import split_digests
    from ecrtui.tui.widgets.model_field import ModelRules
    from ecrtui.uploads.sizes import parse_size

    rules: dict[str, Any] = {
        f"complete {member}": ModelRules(
            "CompleteLayerUpload",
            member,
            convert=split_digests if member == "layerDigests" else None,
        )
        for member in ("registryId", "repositoryName", "uploadId", "layerDigests")
    }
    rules["push repositoryName"] = ModelRules("InitiateLayerUpload", "repositoryName")
    rules["push part size"] = ModelRules(
        None, "part size", convert=parse_size, check=part_size_problems
    )
    rules["push file"] = ModelRules(
        None, "file", convert=layer_path, check=file_problems, required=True
    )
    return rules

"""The `ecrtui` command: the console, or one of the headless commands."""

from __future__ import annotations

import gc
import importlib
import os
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, NoReturn

from ecrtui import __version__
from ecrtui.cli import exit_codes

if TYPE_CHECKING:
    import argparse

# Seconds a console may take to end after a stop signal (SIGTERM, SIGHUP, SIGINT) before its
# process cleans up and ends without it.
STOP_GRACE = 10.0

# command -> (module with a main(argv) function, one line of help)
COMMANDS: dict[str, tuple[str, str]] = {
    "local-ecr": ("ecrtui.cli.local_ecr", "run the local ECR-compatible backend in the foreground"),
    "config": ("ecrtui.cli.config_command", "print the config file's path, or every setting"),
    "web": ("ecrtui.cli.web_command", "serve the console in a web browser (textual-serve)"),
}


def _api_command(args: list[str]) -> int | None:
    """Run an aws-CLI-compatible or upload command if argv names one (global options may stand
    before or after it); None when argv names no such command."""
    from ecrtui.cli.global_options import UsageError, command_index, split_global_options

    index = command_index(args)
    if index is None or (args[index] not in API_COMMANDS and args[index] not in UPLOAD_COMMANDS):
        return None
    command = args[index]
    # these two give --output their own meaning (a table), wherever it stands
    keep = frozenset({"--output"}) if command in ("uploads", "discover") else frozenset()
    try:
        options, rest = split_global_options(args[:index] + args[index + 1 :], keep)
    except UsageError as error:
        exit_codes.write_line(
            sys.stderr, f"usage: ecrtui <command> [parameters]\necrtui: error: {error}"
        )
        return exit_codes.USAGE
    if command in UPLOAD_COMMANDS:
        from ecrtui.cli import upload_commands

        return upload_commands.run(command, rest, options)
    from ecrtui.cli.skeleton_command import quick_skeleton

    printed = quick_skeleton(API_COMMANDS[command], rest, options)
    if printed is not None:
        return printed
    from ecrtui.cli.api_command import run

    # One call, or one listing, and then the process ends: the garbage collector would only walk
    # what botocore loaded, again and again (8% of a describe-repositories' time).
    collecting = gc.isenabled()
    gc.disable()
    try:
        return run(API_COMMANDS[command], rest, options)
    finally:
        if collecting:
            gc.enable()


# aws-CLI-compatible commands, by their aws CLI names (see ecrtui.cli.api_command.OPERATIONS)
API_COMMANDS: dict[str, str] = {
    "complete-layer-upload": "CompleteLayerUpload",
    "initiate-layer-upload": "InitiateLayerUpload",
    "upload-layer-part": "UploadLayerPart",
    "batch-check-layer-availability": "BatchCheckLayerAvailability",
    "get-download-url-for-layer": "GetDownloadUrlForLayer",
    "describe-repositories": "DescribeRepositories",
    "describe-images": "DescribeImages",
    "create-repository": "CreateRepository",
}


# Upload commands (see ecrtui.cli.upload_commands)
UPLOAD_COMMANDS: dict[str, str] = {
    "push-layer": "push a layer file in parts, with a progress bar, and complete it",
    "resume": "continue an interrupted upload from the byte ECR last accepted",
    "probe-upload": "learn how many bytes ECR holds of an upload, and track it",
    "uploads": "list the uploads in flight from the journal",
    "forget": "mark an upload forgotten in the journal",
    "discover": "find the uploads other tools left in flight, in CloudTrail",
}


def build_parser() -> argparse.ArgumentParser:
    import argparse

    from ecrtui.cli.console_options import add_console_options

    class _Parser(argparse.ArgumentParser):
        def error(self, message: str) -> NoReturn:
            self.print_usage(sys.stderr)
            exit_codes.write_line(sys.stderr, f"{self.prog}: error: {message}")  # argv is echoed
            raise SystemExit(exit_codes.USAGE)

    commands = "\n".join(f"  {name:<32}{summary}" for name, (_, summary) in COMMANDS.items())
    commands += "\n" + "\n".join(f"  {name:<32}{text}" for name, text in UPLOAD_COMMANDS.items())
    commands += "\n" + "\n".join(f"  {name:<32}as `aws ecr {name}`" for name in API_COMMANDS)
    parser = _Parser(
        prog="ecrtui",
        description="An operator console for Amazon ECR image-layer uploads. Without a command, "
        "opens the console (against AWS, or the embedded demo backend with --demo).",
        epilog=f"commands:\n{commands}\n\nRun `ecrtui COMMAND --help` for a command's options.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_console_options(parser)
    parser.add_argument("--version", action="version", version=f"ecrtui {__version__}")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    api_command = _api_command(args)
    if api_command is not None:
        if argv is None:
            # The process ends now: frozen, what botocore loaded is not walked once more by the
            # collection at exit (70 ms of a 240 ms describe-repositories).
            gc.freeze()
        return api_command
    if args and args[0] in COMMANDS:
        module = importlib.import_module(COMMANDS[args[0]][0])
        code: int = module.main(args[1:])
        return code
    options = build_parser().parse_args(args)
    return _console(options)


def _console(options: argparse.Namespace) -> int:
    """Open the console. Textual draws its first frame before boto3 or moto load.

    SIGTERM, SIGHUP (the terminal closed) and SIGINT (`kill -INT`; Ctrl+C is a key in the
    console) close it as quitting does, so the demo backend stops and its files go. Whatever way
    the console ends, its scratch directories are removed before this returns.
    """
    from ecrtui.ecr.client import Target
    from ecrtui.local import scratch

    # Off until the console has connected (EcrtuiApp.on_connected): what starting allocates
    # (Textual, botocore and their models) all lives on, and walking it again and again took a
    # tenth of the demo's first second.
    gc.disable()
    if options.demo and (options.profile or options.endpoint_url):
        print(
            "ecrtui: --demo uses the embedded backend; drop --profile/--endpoint-url",
            file=sys.stderr,
        )
        return exit_codes.USAGE
    target = Target(
        profile=options.profile, region=options.region, endpoint_url=options.endpoint_url
    )
    demo_backend = None
    if options.demo:
        from ecrtui.local.demo_backend import DemoBackendProcess

        scratch.sweep_stale()  # what a killed demo or backend could not remove
        # spawned before Textual loads: it starts and seeds on another core meanwhile
        demo_backend = DemoBackendProcess.in_scratch_dir().start()

    # the config file, once the demo backend is on its way (theme and key names are checked
    # once Textual is loaded)
    from ecrtui.config import ConfigError, check_names, config_path, load_settings

    def refused(error: ConfigError) -> int:
        if demo_backend is not None:
            demo_backend.stop()
        scratch.remove_all()
        exit_codes.write_line(sys.stderr, f"ecrtui: {error}")
        return exit_codes.CONFIG

    try:
        settings = load_settings(config_path())
    except ConfigError as error:
        return refused(error)

    import asyncio  # ~50 ms: after the demo backend is on its way
    import contextlib
    import signal
    import threading

    from ecrtui.tui.app import EcrtuiApp
    from ecrtui.tui.keymap import binding_defaults, theme_names
    from ecrtui.tui.session import ConsoleOptions

    try:
        # the binding ids are those of every dialog: found only when the file remaps keys
        binding_ids = binding_defaults() if settings.keys else None
        check_names(settings, themes=theme_names(), binding_ids=binding_ids)
    except ConfigError as error:
        return refused(error)
    app = EcrtuiApp(
        ConsoleOptions(
            target=target,
            demo=options.demo,
            read_only=settings.read_only_for(
                read_only=options.read_only, read_write=options.read_write
            ),
            demo_backend=demo_backend,
            theme=settings.theme if "theme" in settings.from_file else None,
            keys=settings.keys,
            part_size=settings.part_size,
            confirm=settings.confirm,
            config_file=settings.path,
        )
    )

    # a service manager's stop, the terminal hanging up, `kill -INT` (no SIGHUP on Windows)
    stop_signals = [getattr(signal, name, None) for name in ("SIGTERM", "SIGHUP", "SIGINT")]

    def end_after_grace() -> None:
        """The console did not end within STOP_GRACE of a stop signal: its event loop is stuck
        (a terminal that went away can leave the screen writer waiting forever). Clean up as
        the console would, and end the process; the journal commits each change."""
        if demo_backend is not None:
            demo_backend.stop()
        scratch.remove_all()
        os._exit(0)

    async def run_until_stopped() -> None:
        loop = asyncio.get_running_loop()
        handled = []

        def stop(signum: int, frame: object) -> None:
            # a Python-level handler runs even while the event loop is blocked, where one the
            # loop runs would wait behind the blockage
            loop.call_soon_threadsafe(app.exit)
            ending = threading.Timer(STOP_GRACE, end_after_grace)
            ending.daemon = True
            ending.start()

        for signum in filter(None, stop_signals):
            try:
                signal.signal(signum, stop)
            except (ValueError, OSError):  # not the main thread, or no such signal here
                continue
            handled.append(signum)
        try:
            await app.run_async()
        finally:
            for signum in handled:
                with contextlib.suppress(ValueError, OSError):
                    signal.signal(signum, signal.SIG_DFL)

    try:
        asyncio.run(run_until_stopped())
    finally:
        # The console has ended: a stop signal now (the terminal hanging up a moment after
        # ctrl+q) must not cut the clean-up short.
        for signum in filter(None, stop_signals):
            with contextlib.suppress(ValueError, OSError):
                signal.signal(signum, signal.SIG_IGN)
        if demo_backend is not None:
            demo_backend.stop()
        scratch.remove_all()
    _end_despite_stuck_threads(0)
    return 0


def _end_despite_stuck_threads(code: int, patience: float = 2.0) -> None:
    """End the process if threads the console left would keep it alive.

    When the terminal closes while the console is quitting (a window closed right after ctrl+q),
    the terminal driver's input and output threads can wait forever on a terminal that is gone,
    and the interpreter waits for them, spinning. By now everything of ecrtui's is saved (the
    journal commits each change) and the scratch directories are gone, so nothing is lost."""
    import contextlib
    import threading
    import time

    others = [
        thread
        for thread in threading.enumerate()
        if thread is not threading.main_thread() and not thread.daemon
    ]
    deadline = time.monotonic() + patience
    for thread in others:
        thread.join(max(0.0, deadline - time.monotonic()))
    if any(thread.is_alive() for thread in others):
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(OSError, ValueError):  # the terminal is gone
                stream.flush()
        os._exit(code)

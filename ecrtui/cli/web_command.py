"""`ecrtui web`: serve the console in a web browser, with textual-serve."""

from __future__ import annotations

import argparse
import ipaddress
import shlex
import socket
import subprocess
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

from ecrtui.cli.console_options import DEMO_HELP, add_console_options

if TYPE_CHECKING:
    from textual_serve.server import Server

# seconds a tab's console has to quit when the server stops (its demo backend takes up to 10)
CONSOLE_QUIT_TIMEOUT = 15.0

DESCRIPTION = """\
Serve the console to web browsers: each browser tab that opens the URL gets a console of its own,
run on this machine by this user, with this user's AWS credentials (or, with --demo, a demo
backend of its own, stopped when the tab closes). The first line on stdout is the URL to open;
everything else goes to stderr. It serves until stopped (Ctrl+C, SIGINT or SIGTERM), then closes
every tab's console.

It listens on 127.0.0.1 only, unless --allow-remote is given with another --host: then anyone
who can reach the address gets a console acting with your AWS credentials.

  ecrtui web --demo
  ecrtui web --profile prod --region eu-west-1 --read-only --port 8080
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ecrtui web",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to listen on; loopback only unless --allow-remote (default: 127.0.0.1)",
    )
    parser.add_argument(
        "--port",
        type=_port,
        default=8000,
        help="port to listen on; 0 picks a free one (default: 8000)",
    )
    parser.add_argument(
        "--allow-remote",
        action="store_true",
        help="allow a --host other machines can reach; whoever reaches it gets a console with "
        "your AWS credentials",
    )
    parser.add_argument(
        "--public-url",
        default=None,
        metavar="URL",
        help="the URL browsers reach this server at, when not http://HOST:PORT (a proxy in front, "
        "or --host 0.0.0.0)",
    )
    console = parser.add_argument_group("console options (for every tab's console)")
    add_console_options(console, demo_help=f"{DEMO_HELP} (one per tab)")
    return parser


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a port number: {text!r}") from None
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"not a port number (0 to 65535): {text!r}")
    return value


def console_command(args: argparse.Namespace) -> str:
    """The shell command each browser tab runs: this Python's `ecrtui` console, with the options
    given to `ecrtui web`."""
    argv = [sys.executable, "-m", "ecrtui"]
    if args.demo:
        argv.append("--demo")
    for option, value in (
        ("--profile", args.profile),
        ("--region", args.region),
        ("--endpoint-url", args.endpoint_url),
    ):
        if value is not None:
            argv += [option, value]
    if args.read_only:
        argv.append("--read-only")
    if args.read_write:
        argv.append("--read-write")
    if sys.platform == "win32":
        return subprocess.list2cmdline(argv)
    return shlex.join(argv)


def _is_unspecified(host: str) -> bool:
    """0.0.0.0 or ::, every address of this machine."""
    try:
        return ipaddress.ip_address(host).is_unspecified
    except ValueError:
        return False


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def main(argv: Sequence[str] | None = None) -> int:
    from ecrtui.local.addresses import is_loopback

    args = build_parser().parse_args(argv)
    from ecrtui.cli.exit_codes import USAGE, write_line

    if args.demo and (args.profile or args.endpoint_url):
        write_line(
            sys.stderr,
            "ecrtui web: --demo uses the embedded backend; drop --profile/--endpoint-url",
        )
        return USAGE
    import importlib.util

    if importlib.util.find_spec("textual_serve") is None:
        write_line(
            sys.stderr,
            "ecrtui web: needs textual-serve, in ecrtui's web extra, which the base install "
            "leaves out: pip install 'ecrtui[web]', pipx install 'ecrtui[web]' or uv tool "
            "install 'ecrtui[web]' (from a checkout: '.[web]')",
        )
        return 1
    remote = not is_loopback(args.host)
    if remote and not args.allow_remote:
        write_line(
            sys.stderr,
            f"ecrtui web: refusing to listen on {args.host}: whoever reaches it gets a console "
            "running as you, with your AWS credentials; pass --allow-remote to listen on it anyway",
        )
        return USAGE
    try:
        listening = socket.create_server(
            (args.host, args.port),
            family=socket.AF_INET6 if ":" in args.host else socket.AF_INET,
        )
    except OSError as error:
        write_line(sys.stderr, f"ecrtui web: cannot listen on {args.host}:{args.port}: {error}")
        return 1
    port = listening.getsockname()[1]
    url = args.public_url or f"http://{_url_host(args.host)}:{port}"
    with listening:
        server = _make_server(console_command(args), args.host, port, url)
        print(url, flush=True)
        if remote:
            whose = (
                "a demo console, which can push any file you can read"
                if args.demo
                else "a console running as you, with your AWS credentials"
            )
            write_line(
                sys.stderr,
                f"ecrtui web: WARNING: listening on {args.host}: anyone who can reach it gets "
                f"{whose}",
            )
            if args.public_url is None and _is_unspecified(args.host):
                write_line(
                    sys.stderr,
                    f"ecrtui web: browsers elsewhere reach this machine by another name than "
                    f"{args.host}: pass --public-url http://NAME:{port} for their pages to connect",
                )
        write_line(sys.stderr, f"serving the ecrtui console at {url}; Ctrl+C stops it")
        _serve(server, listening)
    return 0


def _make_server(command: str, host: str, port: int, url: str) -> Server:
    import asyncio

    from aiohttp import web
    from rich.console import Console
    from textual_serve.app_service import AppService
    from textual_serve.server import Server

    class ConsoleServer(Server):
        """textual-serve's server, quiet on stdout (the URL is printed before it starts), which
        tells every tab's console to quit when it stops, and waits for their output to end."""

        consoles: set[AppService]

        async def on_startup(self, app: web.Application) -> None:
            self.consoles = set()

        async def _process_messages(
            self, websocket: web.WebSocketResponse, app_service: AppService
        ) -> None:
            self.consoles.add(app_service)
            try:
                await super()._process_messages(websocket, app_service)
            finally:
                self.consoles.discard(app_service)

        async def on_shutdown(self, app: web.Application) -> None:
            await asyncio.gather(*(_quit(console) for console in list(self.consoles)))

    async def _quit(console: AppService) -> None:
        """Tell a tab's console to quit, and wait for it to end (it stops its demo backend
        first); kill it if it takes longer than CONSOLE_QUIT_TIMEOUT."""
        await console.stop()
        process = console._process
        if process is None:
            return
        try:
            await asyncio.wait_for(process.wait(), CONSOLE_QUIT_TIMEOUT)
        except asyncio.TimeoutError:
            process.kill()
            await process.wait()

    server = ConsoleServer(command, host=host, port=port, title="ecrtui", public_url=url)
    server.console = Console(stderr=True)  # its log
    return server


def _serve(server: Server, listening: socket.socket) -> None:
    """Serve on the bound socket until SIGINT or SIGTERM; every tab's console is told to quit,
    and waited for, before this returns."""
    import asyncio
    import signal

    from aiohttp import web

    server.initialize_logging()
    loop = asyncio.new_event_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(signum, server.request_exit)
        except NotImplementedError:  # event loops on Windows take no signal handlers
            break
    web.run_app(
        server._make_app(),
        sock=listening,
        handle_signals=False,
        loop=loop,
        print=None,
    )

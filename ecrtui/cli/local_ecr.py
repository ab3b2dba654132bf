"""`ecrtui local-ecr`: run the local ECR-compatible backend in the foreground."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from collections.abc import Sequence
from types import FrameType
from urllib.parse import urlsplit

# Ctrl+C or `kill -INT`, a service manager's stop, the terminal hanging up (no SIGHUP on Windows)
STOP_SIGNALS: tuple[signal.Signals, ...] = tuple(
    getattr(signal.Signals, name)
    for name in ("SIGINT", "SIGTERM", "SIGHUP")
    if hasattr(signal, name)
)

DESCRIPTION = """\
Run an ECR-compatible endpoint on this machine, for trying ecrtui, scripts and the aws CLI
without an AWS account. The first line on stdout is the endpoint URL alone; everything else goes
to stderr. It serves until stopped (Ctrl+C, SIGINT, SIGTERM, or SIGHUP when its terminal closes),
then removes every upload and layer it stored and exits 0; what a killed backend leaves in the temp
directory, the next start removes. It accepts any credentials: the account id is 123456789012.

The same endpoint is a registry (/v2/), as ECR's is: docker, skopeo, containerd and oras push to
it with user AWS and the password from get-authorization-token. It keeps a CloudTrail of every ECR
call, the registry's included, for cloudtrail lookup-events.

  ecrtui local-ecr --seed demo
  aws --endpoint-url http://127.0.0.1:PORT ecr describe-repositories
  skopeo copy --dest-tls-verify=false --dest-creds AWS:PASSWORD oci:DIR:TAG \\
      docker://127.0.0.1:PORT/team/api:TAG
  aws --endpoint-url http://127.0.0.1:PORT cloudtrail lookup-events
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ecrtui local-ecr",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to listen on; loopback only unless --allow-remote (default: 127.0.0.1)",
    )
    parser.add_argument(
        "--port", type=int, default=0, help="port to listen on; 0 picks a free one (default: 0)"
    )
    parser.add_argument(
        "--seed",
        choices=("demo", "none"),
        default="none",
        help="start empty, or with the demo registry: a dozen repositories, images and stuck "
        "uploads (default: none)",
    )
    parser.add_argument(
        "--upload-ttl",
        type=_seconds,
        default=None,
        metavar="SECONDS",
        help="forget an upload after this many seconds without a part, as ECR may (default: never)",
    )
    parser.add_argument(
        "--allow-remote",
        action="store_true",
        help="allow a --host other machines can reach; the backend has no authentication",
    )
    parser.add_argument(
        "--cors",
        type=_origin,
        default=None,
        metavar="ORIGIN",
        help="let pages of this one origin (e.g. http://localhost:5173) call the backend from a "
        "browser; without it, a request carrying any Origin header is refused (default: none)",
    )
    parser.add_argument(
        "--request-timeout",
        type=_seconds,
        default=None,
        metavar="SECONDS",
        help="drop a client that sends nothing for this long: before its request line, in its "
        "headers or in its body (default: 30)",
    )
    parser.add_argument(
        "--max-connections",
        type=_count,
        default=None,
        metavar="N",
        help="connections served at once, a thread each; another gets 503 with Retry-After "
        "(default: 64)",
    )
    return parser


def _origin(text: str) -> str:
    parts = urlsplit(text)
    if (
        parts.scheme not in ("http", "https")
        or not parts.hostname
        or parts.path
        or parts.query
        or parts.fragment
        or parts.username is not None
    ):
        raise argparse.ArgumentTypeError(
            f"not an origin (scheme://host[:port], as a browser sends it): {text!r}"
        )
    return text


def _count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1: {text!r}")
    return value


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be more than 0 seconds: {text!r}")
    return value


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from ecrtui.cli.exit_codes import write_line
    from ecrtui.local.rules import BackendSettings
    from ecrtui.local.server import LocalEcr, NotLoopbackError

    limits = {
        name: value
        for name, value in (
            ("request_timeout", args.request_timeout),
            ("max_connections", args.max_connections),
        )
        if value is not None
    }
    settings = BackendSettings(upload_ttl=args.upload_ttl, cors_origin=args.cors, **limits)
    try:
        backend = LocalEcr(
            host=args.host, port=args.port, settings=settings, allow_remote=args.allow_remote
        )
    except NotLoopbackError as error:
        write_line(sys.stderr, f"ecrtui local-ecr: {error}")
        return 2
    with _stop_on_signals() as stopped:  # from before the start, so no stop skips backend.stop
        try:
            backend.start()
        except OSError as error:
            write_line(
                sys.stderr, f"ecrtui local-ecr: cannot listen on {args.host}:{args.port}: {error}"
            )
            return 1
        try:
            if args.seed == "demo":
                registry = backend.seed_demo()
                print(
                    f"seeded {len(registry.repositories)} repositories, {len(registry.images)} "
                    f"images and {len(registry.uploads)} uploads in flight",
                    file=sys.stderr,
                )
                for upload in registry.uploads:
                    write_line(
                        sys.stderr,
                        f"  {upload.repository:<14} {upload.upload_id}  {upload.summary}",
                    )
            print(backend.endpoint_url, flush=True)
            print("local ECR backend ready; Ctrl+C stops it", file=sys.stderr, flush=True)
            stopped.wait()
        finally:
            backend.stop()
    return 0


class _stop_on_signals:
    """An event set by any of STOP_SIGNALS while the block runs; the old handlers return after."""

    def __enter__(self) -> threading.Event:
        self.event = threading.Event()
        self.previous = {sig: signal.signal(sig, self._handle) for sig in STOP_SIGNALS}
        return self.event

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        self.event.set()

    def __exit__(self, *exc: object) -> None:
        for sig, handler in self.previous.items():
            signal.signal(sig, handler)

"""What a fresh install of ecrtui costs: the venv's size on disk, its distributions, the time.

    .venv/bin/python benchmarks/install_footprint.py [--ref REV] [--no-editable] [--no-cache]
        [--python PYTHON]

Does what the README's first command does, in a temporary directory: `PYTHON -m venv VENV`,
then `VENV/bin/pip install -e DIR` (`--no-editable`: `pip install DIR`), where DIR is the working
tree, or with `--ref REV` that git revision exported with `git archive`. Prints:
- the venv's size on disk in MB (allocated blocks, each file counted once, .pyc files pip
  compiled included), the part of it that is site-packages, and the part the install added
  (the venv less its size right after `venv` made it);
- the distributions installed in it, counted without the ones `venv` seeded before the install
  (pip, and setuptools on Python < 3.12; the script names them);
- the wall time of the install step alone (not the venv's creation).
The timing depends on pip's environment: its wheel cache (`--no-cache` passes `--no-cache-dir`,
so every wheel is downloaded again), PIP_FIND_LINKS, and the registry's speed; the script prints
which of these were in force. The package index is the only host contacted.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MB = 1_000_000
LIST_DISTRIBUTIONS = (
    "import importlib.metadata as m, json; "
    "print(json.dumps(sorted({d.metadata['Name'].lower() for d in m.distributions()})))"
)


def export_revision(rev: str, into: Path) -> Path:
    """`git archive REV` of the repository, unpacked into `into`."""
    archive = into / "source.tar"
    subprocess.run(
        ["git", "-C", str(ROOT), "archive", "--format=tar", "-o", str(archive), rev],
        check=True,
    )
    source = into / "source"
    source.mkdir()
    with tarfile.open(archive) as tar:
        tar.extractall(source, filter="data")
    archive.unlink()
    return source


def disk_usage(path: Path) -> int:
    """Bytes allocated to the files under `path`, each inode once (as `du -s` counts)."""
    seen: set[tuple[int, int]] = set()
    total = 0
    for folder, dirs, files in os.walk(path):
        for name in [*dirs, *files]:
            stat = os.lstat(os.path.join(folder, name))
            key = (stat.st_dev, stat.st_ino)
            if key not in seen:
                seen.add(key)
                total += stat.st_blocks * 512
    return total


def distributions(venv: Path) -> list[str]:
    """The names of the distributions installed in `venv`."""
    out = subprocess.run(
        [str(venv / "bin" / "python"), "-c", LIST_DISTRIBUTIONS],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    names: list[str] = json.loads(out)
    return names


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ref", help="measure this git revision instead of the working tree")
    parser.add_argument(
        "--no-editable", action="store_true", help="pip install DIR instead of pip install -e DIR"
    )
    parser.add_argument(
        "--no-cache", action="store_true", help="pass --no-cache-dir: download every wheel again"
    )
    parser.add_argument(
        "--python", default=sys.executable, help="the Python the venv is made with (%(default)s)"
    )
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="ecrtui-footprint-") as tmp:
        work = Path(tmp)
        source = export_revision(args.ref, work) if args.ref else ROOT
        venv = work / "venv"
        subprocess.run([args.python, "-m", "venv", str(venv)], check=True)
        seeded = distributions(venv)
        seed_size = disk_usage(venv)
        install = [str(venv / "bin" / "pip"), "install", "--quiet"]
        if args.no_cache:
            install.append("--no-cache-dir")
        install += [str(source)] if args.no_editable else ["-e", str(source)]
        started = time.perf_counter()
        subprocess.run(install, check=True)
        seconds = time.perf_counter() - started
        installed = [name for name in distributions(venv) if name not in seeded]
        site_packages = next((venv / "lib").glob("python*/site-packages"))
        size, packages_size = disk_usage(venv), disk_usage(site_packages)

    version = subprocess.run(
        [args.python, "-c", "import sys; print(sys.version.split()[0])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    what = f"git revision {args.ref}" if args.ref else f"working tree {ROOT}"
    print(f"source:        {what}")
    print(f"install step:  pip install {'' if args.no_editable else '-e '}DIR (Python {version})")
    print(f"venv size:     {size / MB:.1f} MB on disk ({packages_size / MB:.1f} MB site-packages)")
    print(f"the install:   {(size - seed_size) / MB:.1f} MB of it (the venv less venv's own seed)")
    print(
        f"distributions: {len(installed)} installed (not counting venv's seed: {', '.join(seeded)})"
    )
    print(f"install time:  {seconds:.1f} s")
    cache = "off (--no-cache-dir)" if args.no_cache else "on (pip's wheel and HTTP cache)"
    print(f"  pip cache: {cache}; PIP_FIND_LINKS={os.environ.get('PIP_FIND_LINKS', '(unset)')}")
    print(f"  {' '.join(installed)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

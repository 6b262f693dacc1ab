#!/usr/bin/env python3
"""Times jackd against pytest and pytest-xdist on the test suites of real projects from PyPI (issue 6).

The generated suites of the other scripts isolate one cost each; these are suites people run: each
project's source distribution (pinned below) is unpacked into a work directory and installed, with its
test dependencies, into a venv made there with the same pytest, pytest-xdist, grpcio and protobuf as
.venv (and jackd's shim through a .pth file). Needs PyPI; the first run downloads and installs for a few
minutes, later runs with the same --workdir reuse it.

For each project, `pytest` (serial), `pytest -n N` (xdist's default `load` mode), `pytest -n N --dist
loadfile` and `jackd run -n N` run its tests, with the options listed for it. Every contender must end
with the same counts and exit code as an untimed serial pytest run made first (passed, skipped, ...; one
attrs test fails under Python 3.11 in every runner): a contender that loses or adds a result is flagged
and the script exits 1. No targets here: the table shows jackd's wall
time over serial pytest's and over the faster of the two xdist modes.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tarfile
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import benchlib as b  # noqa: E402


@dataclass(frozen=True)
class Project:
    name: str
    requirement: str  # the pinned source distribution on PyPI
    tests: tuple[str, ...]  # what pytest is given, relative to the unpacked sdist
    test_dependencies: tuple[str, ...] = ()
    options: tuple[str, ...] = ()  # pytest options every contender gets


# Test dependencies as each project's own `tests` dependency group names them (tools left out), pinned.
PROJECTS = (
    Project("attrs", "attrs==26.1.0", ("tests",), ("hypothesis==6.170.17", "pympler==1.1", "cloudpickle==3.1.2")),
    Project("click", "click==8.5.1", ("tests",)),
    Project("jinja2", "jinja2==3.1.6", ("tests",), ("trio==0.35.0",)),
    Project("more-itertools", "more-itertools==11.2.1", ("tests",)),
    Project("packaging", "packaging==26.4", ("tests",),
            ("hypothesis==6.170.17", "pretend==1.0.9", "tomli_w==1.2.0", "coverage==7.17.3")),
)

# The same releases of the tools as the project's own environment (requirements-dev.txt).
TOOLS = ("pytest==9.2.0", "pytest-xdist==3.8.0", "grpcio==1.85.3", "protobuf==7.36.2")
# The counts every contender must repeat (pytest-xdist does not print pytest's "deselected").
COUNTED = ("passed", "failed", "error", "skipped", "xfailed", "xpassed")


def pip(python: Path, *args: str) -> None:
    done = subprocess.run([str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check", *args],
                          capture_output=True, text=True, timeout=1800)
    if done.returncode != 0:
        sys.exit(f"bench: pip install {' '.join(args)} failed:\n{done.stdout}{done.stderr}")


def prepare(workdir: Path, base_python: str, projects: tuple[Project, ...]) -> tuple[Path, dict[str, Path]]:
    """The venv (made once) and each project's unpacked sdist, installed into it."""
    venv = workdir / "venv"
    python = venv / "bin" / "python"
    if not python.exists():
        print(f"bench: making {venv}", file=sys.stderr)
        interpreter = b.tool_output([base_python, "-c", "import sys; print(sys._base_executable)"])
        subprocess.run([interpreter, "-m", "venv", str(venv)], check=True, timeout=300)
        pip(python, *TOOLS)
        site = b.tool_output([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"])
        (Path(site) / "jackd_shim_checkout.pth").write_text(f"{b.ROOT / 'worker_shim'}\n")
    sources = {}
    for project in projects:
        marker = workdir / f"{project.name}.installed"
        source = workdir / project.name
        if not marker.exists():
            print(f"bench: fetching {project.requirement}", file=sys.stderr)
            downloads = workdir / "sdists"
            subprocess.run([str(python), "-m", "pip", "download", "-q", "--disable-pip-version-check", "--no-deps",
                            "--no-binary", ":all:", "-d", str(downloads), project.requirement],
                           check=True, timeout=600, capture_output=True)
            name, version = project.requirement.split("==")
            stem = f"{name.replace('-', '_')}-{version}".lower()
            archive = next(p for p in downloads.iterdir() if p.name.lower().startswith(stem))
            shutil.rmtree(source, ignore_errors=True)
            with tarfile.open(archive) as tar:
                tar.extractall(workdir / "unpacked", filter="data")
            (workdir / "unpacked" / archive.name.removesuffix(".tar.gz")).rename(source)
            pip(python, str(source), *project.test_dependencies)
            marker.write_text(project.requirement)
        sources[project.name] = source
    return python, sources


def measure(project: Project, source: Path, python: Path, args: argparse.Namespace) -> list[b.Contender]:
    options = (*project.options, "-p", "no:cacheprovider", *project.tests)
    reference = b.run_command(b.pytest_argv(str(python), *options), source, b.environment("warm"), args.timeout)
    counts, line = b.summary_counts(reference.output)
    expected = {k: v for k, v in counts.items() if k in COUNTED}
    returncode = reference.returncode
    if returncode not in (0, 1) or not expected.get("passed"):
        sys.exit(f"bench: {project.name}: pytest's own run says {line!r} (exit {returncode})")
    print(f"bench: {project.name}: pytest says {line!r}", file=sys.stderr)
    w = str(args.workers)
    contenders = [
        b.Contender("pytest (serial)", b.pytest_argv(str(python), *options), expected, returncode),
        b.Contender(f"pytest -n {w}", b.pytest_argv(str(python), "-n", w, *options), expected, returncode),
        b.Contender(f"pytest -n {w} --dist loadfile", b.pytest_argv(str(python), "-n", w, "--dist", "loadfile", *options),
                    expected, returncode),
        b.Contender(f"jackd run -n {w}", b.jackd_argv(args.jackd, str(python), args.workers, *options), expected,
                    returncode),
    ]
    timed = contenders if b.jackd_available(args.jackd) else contenders[:-1]
    b.time_contenders(timed, source, args.modes, args.repeat, args.timeout)
    return contenders


def report(project: Project, contenders: list[b.Contender], args: argparse.Namespace) -> None:
    serial, jackd = contenders[0], contenders[-1]
    header = ["contender"]
    for mode in args.modes:
        header += [f"{mode} s", f"{mode} /serial", f"{mode} /best xdist"]
    header.append("check")
    best_xdist = {mode: min((x.median(mode) for x in contenders[1:3] if x.median(mode) is not None), default=None)
                  for mode in args.modes}
    rows = []
    for c in contenders:
        row = [c.name]
        for mode in args.modes:
            row += [b.seconds(c.median(mode)), b.ratio(c.median(mode), serial.median(mode)),
                    b.ratio(c.median(mode), best_xdist[mode]) if c is jackd else "-"]
        rows.append(row + [b.check_cell(c, args.modes)])
    print(f"\n{project.name} ({project.requirement}, {', '.join(f'{v} {k}' for k, v in contenders[0].expected.items())})")
    b.print_table(header, rows, args.markdown)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    b.add_common_args(parser, workers=2)
    parser.add_argument("--workdir", type=Path, default=Path.home() / ".cache" / "jackd-bench-real-suites",
                        help="where the venv and the projects go; reused by later runs (default %(default)s)")
    parser.add_argument("--project", action="append", choices=[p.name for p in PROJECTS],
                        help="only this project (repeatable; default all)")
    args = b.finish_args(parser.parse_args())
    projects = tuple(p for p in PROJECTS if not args.project or p.name in args.project)
    args.workdir.mkdir(parents=True, exist_ok=True)
    python, sources = prepare(args.workdir.resolve(), args.python, projects)
    b.use_site_directories(str(python))
    b.print_header(f"real suites ({', '.join(p.name for p in projects)}), {args.workers} workers",
                   argparse.Namespace(**{**vars(args), "python": str(python)}))
    everyone = []
    for project in projects:
        contenders = measure(project, sources[project.name], python, args)
        report(project, contenders, args)
        everyone += contenders
    print("(s: median wall seconds; /serial: over serial pytest's; /best xdist: jackd's over the faster of xdist's"
          " two modes; lower is better)")
    return b.finish(everyone)


if __name__ == "__main__":
    sys.exit(main())

"""Harness for the end-to-end tests: run the real `jackd` binary (and plain pytest) on fixture projects.

Locations (environment):
- JACKD_BIN: the binary; default <repo>/build/jackd.
- JACKD_TEST_PYTHON: the interpreter with pytest, grpcio, protobuf and jackd_shim; default
  <repo>/.venv/bin/python. Every run passes it to jackd with --python.
- JACKD_E2E_ALLOW_MISSING=1: skip the tests that need a missing binary or interpreter instead of failing
  them. Without it a missing binary is an error, so CI can never pass by skipping.

Every run gets a fresh copy of its fixture project (tests/e2e/projects/<name>, each its own rootdir), a
scrubbed environment (no PYTEST_*, JACKD_*, PYTHONPATH leaking in from the outer test run) and a unique
E2E_RUN_MARKER variable. After the run the harness looks for live processes that still carry the marker
in their environment: any such process outlived the run, and the test fails.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

# Found whatever the import mode: the helpers module sits beside this file.
if str(Path(__file__).resolve().parent) not in sys.path:
    sys.path.insert(0, str(Path(__file__).resolve().parent))

from jackd_e2e import (  # noqa: E402
    E2E_DIR,
    PROJECTS,
    PYTEST_TIMEOUT,
    REPO,
    RUN_TIMEOUT,
    JackdProcess,
    PytestResult,
    clean_env,
    kill_pids,
    processes_with_marker,
)

# The fixture projects are inputs, not tests of this repository.
collect_ignore_glob = ["projects/*"]

ALLOW_MISSING_ENV = "JACKD_E2E_ALLOW_MISSING"


# ---------------------------------------------------------------------------------------------------
# Locating the binary and the interpreter


def _missing(what: str) -> None:
    if os.environ.get(ALLOW_MISSING_ENV) == "1":
        pytest.skip(f"{what} ({ALLOW_MISSING_ENV}=1)")
    pytest.fail(
        f"{what}; build it or point the variable at it "
        f"(set {ALLOW_MISSING_ENV}=1 to skip instead, never in CI)",
        pytrace=False,
    )


@pytest.fixture(scope="session")
def jackd_bin() -> str:
    path = Path(os.environ.get("JACKD_BIN") or REPO / "build" / "jackd")
    if not (path.is_file() and os.access(path, os.X_OK)):
        _missing(f"jackd binary not found at {path} (JACKD_BIN)")
    return str(path)


@pytest.fixture(scope="session")
def test_python() -> str:
    path = Path(os.environ.get("JACKD_TEST_PYTHON") or REPO / ".venv" / "bin" / "python")
    if not (path.is_file() and os.access(path, os.X_OK)):
        _missing(f"test interpreter not found at {path} (JACKD_TEST_PYTHON)")
    return str(path)


@pytest.fixture(scope="session")
def test_pytest_version(test_python) -> tuple[int, int]:
    """(major, minor) of the workers' pytest (JACKD_TEST_PYTHON's), for what differs between its releases."""
    version = subprocess.run([test_python, "-c", "import pytest; print(*pytest.version_tuple[:2])"],
                             capture_output=True, text=True, check=True).stdout.split()
    return int(version[0]), int(version[1])


# ---------------------------------------------------------------------------------------------------
# Fixtures


@pytest.fixture
def project(tmp_path):
    """project(name) -> a fresh copy of tests/e2e/projects/<name> (or of any directory given as a Path)."""

    counter = iter(range(1_000_000))

    def copy(name) -> Path:
        source = name if isinstance(name, Path) else PROJECTS / name
        assert source.is_dir(), f"no fixture project at {source}"
        target = tmp_path / f"copy-{next(counter)}" / source.name
        shutil.copytree(
            source,
            target,
            ignore=shutil.ignore_patterns("__pycache__", ".pytest_cache", ".jackd", "*.pyc", ".venv", "build"),
        )
        return target

    return copy


@pytest.fixture
def start_jackd(jackd_bin, test_python, tmp_path):
    """start_jackd(project, *args, env=None, python=..., json_report=True) -> JackdProcess.

    jackd's own options come first: `--python` (unless python=None), `--json-report` (unless
    json_report=False), then `args` as given (jackd options such as -n first, then pytest's).
    """
    started = []
    counter = iter(range(1_000_000))

    def start(project: Path, *args, env=None, python="default", json_report=True) -> JackdProcess:
        workdir = tmp_path / f"jackd-run-{next(counter)}"
        workdir.mkdir()
        argv = [jackd_bin, "run"]
        if python == "default":
            python = test_python
        if python is not None:
            argv += ["--python", str(python)]
        report_path = None
        if json_report:
            report_path = workdir / "report.json"
            argv += ["--json-report", str(report_path)]
        argv += [str(a) for a in args]
        full_env = clean_env(env)
        full_env["E2E_RUN_MARKER"] = uuid.uuid4().hex
        process = JackdProcess(argv, project, full_env, workdir, report_path)
        started.append(process)
        return process

    yield start
    for process in started:
        if process.proc.poll() is None:
            process.kill_everything()
        kill_pids(processes_with_marker(process.marker))


@pytest.fixture
def run_jackd(start_jackd):
    """run_jackd(project, *args, env=None, timeout=120, python=..., json_report=True) -> RunResult."""

    def run(project: Path, *args, env=None, timeout=RUN_TIMEOUT, python="default", json_report=True):
        return start_jackd(project, *args, env=env, python=python, json_report=json_report).wait(timeout)

    return run


@pytest.fixture
def run_pytest(test_python, tmp_path):
    """run_pytest(project, *args, env=None) -> PytestResult from plain pytest with the same interpreter.

    pytest runs as its console script would (no working directory on sys.path) with
    outcome_map_plugin loaded, so the result carries pytest's outcome per test under jackd's rules.
    """
    counter = iter(range(1_000_000))

    def run(project: Path, *args, env=None, timeout=PYTEST_TIMEOUT) -> PytestResult:
        map_path = tmp_path / f"pytest-outcomes-{next(counter)}.json"
        full_env = clean_env(env)
        full_env["PYTHONPATH"] = os.pathsep.join([str(E2E_DIR), full_env["PYTHONPATH"]])
        full_env["E2E_OUTCOME_MAP"] = str(map_path)
        bootstrap = (
            "import sys\n"
            "if sys.path and sys.path[0] == '': del sys.path[0]\n"
            "import pytest\n"
            "sys.exit(pytest.main())\n"
        )
        argv = [test_python, "-c", bootstrap, "-p", "outcome_map_plugin", *[str(a) for a in args]]
        proc = subprocess.run(
            argv, cwd=project, env=full_env, capture_output=True, timeout=timeout, stdin=subprocess.DEVNULL
        )
        data = {"collected": [], "outcomes": {}}
        if map_path.exists():
            data = json.loads(map_path.read_text(encoding="utf-8"))
        return PytestResult(
            args=["pytest", "-p", "outcome_map_plugin", *args],
            cwd=project,
            rc=proc.returncode,
            stdout=proc.stdout.decode("utf-8", errors="replace"),
            stderr=proc.stderr.decode("utf-8", errors="replace"),
            collected=data["collected"],
            outcomes=data["outcomes"],
        )

    return run



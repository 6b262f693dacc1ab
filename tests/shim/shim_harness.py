"""Helpers for the shim's tests: fixture projects in tmp_path and shim processes started the way the
engine starts them (`python -c BOOTSTRAP MODE ARGS...`).

The shim is used from the source tree (worker_shim/ on PYTHONPATH), so no install is needed. This module
has a name of its own (not conftest) so that imports find it whatever other conftest.py files pytest
loaded for tests/.
"""

from __future__ import annotations

import importlib.util
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Optional

HERE = Path(__file__).resolve().parent
SHIM_ROOT = HERE.parents[1] / "worker_shim"
if str(SHIM_ROOT) not in sys.path:
    sys.path.insert(0, str(SHIM_ROOT))

from jackd_shim import jackd_pb2  # noqa: E402

# The same steps as the engine's bootstrap (docs/engine-shim-contract.md, "Bootstrap").
BOOTSTRAP = textwrap.dedent("""\
    import importlib.util, sys
    sys.path[:] = [p for p in sys.path if p != '']
    missing = [n for n in ('pytest', 'grpc', 'google.protobuf', 'jackd_shim')
               if importlib.util.find_spec(n) is None]
    if missing:
        sys.stderr.write('jackd-missing: ' + ' '.join(missing) + '\\n')
        sys.exit(86)
    from jackd_shim.__main__ import main
    sys.exit(main(sys.argv[1:]))
""")

# Generous: CI machines can be slow, and a timeout only matters when something is broken.
PROCESS_TIMEOUT = 120

XDIST_INSTALLED = importlib.util.find_spec("xdist") is not None


def write_project(root: Path, files: dict[str, str]) -> Path:
    """Write a small fixture project (relative path -> dedented source) under `root`."""
    root.mkdir(parents=True, exist_ok=True)
    for relpath, text in files.items():
        path = root / relpath
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    return root


def shim_env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    for name in list(env):
        # The test process may itself run under jackd, xdist or a tuned CI environment; the shim under
        # test sees only what each test gives it.
        if name.startswith(("JACKD_", "PYTEST_")) or name == "GRPC_ENABLE_FORK_SUPPORT":
            del env[name]
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(SHIM_ROOT), os.environ.get("PYTHONPATH")]))
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env.update(extra)
    return env


class CollectRun:
    def __init__(self, returncode: int, report: Optional[jackd_pb2.CollectionReport], output: str):
        self.returncode = returncode
        self.report = report
        self.output = output


def run_collect(project: Path, *args: str) -> CollectRun:
    """Run the shim's collect mode on `project` and parse the report it wrote (None if it wrote none)."""
    report_path = project / ".jackd-collection.bin"
    if report_path.exists():
        report_path.unlink()
    proc = subprocess.run(
        [sys.executable, "-c", BOOTSTRAP, "collect", str(report_path), *args],
        cwd=project, env=shim_env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        timeout=PROCESS_TIMEOUT, encoding="utf-8", errors="replace",
    )
    report = None
    if report_path.exists():
        report = jackd_pb2.CollectionReport.FromString(report_path.read_bytes())
    return CollectRun(proc.returncode, report, proc.stdout)


class WorkerProcess:
    """A shim worker process with its output in files (as the engine keeps them)."""

    def __init__(self, project: Path, address: str, args: tuple[str, ...], worker_id: str,
                 status_file: Path, env: dict[str, str]) -> None:
        self.stdout_path = status_file.with_suffix(".stdout")
        self.stderr_path = status_file.with_suffix(".stderr")
        self.status_file = status_file
        status_file.write_bytes(b"\xff" * 16)
        with open(self.stdout_path, "wb") as out, open(self.stderr_path, "wb") as err:
            self.popen = subprocess.Popen(
                [sys.executable, "-c", BOOTSTRAP, "worker", *args],
                cwd=project, stdout=out, stderr=err,
                env=shim_env(JACKD_ADDRESS=address, JACKD_WORKER_ID=worker_id, JACKD_TOKEN="secret-token",
                             JACKD_STATUS_FILE=str(status_file), PYTEST_XDIST_WORKER=worker_id,
                             PYTEST_XDIST_WORKER_COUNT="1", PYTEST_XDIST_TESTRUNUID="run-uid-1", **env),
                start_new_session=True,
            )

    @property
    def pid(self) -> int:
        return self.popen.pid

    def wait(self, timeout: float = PROCESS_TIMEOUT) -> int:
        return self.popen.wait(timeout)

    def stdout(self) -> str:
        return self.stdout_path.read_text(encoding="utf-8", errors="replace")

    def stderr(self) -> str:
        return self.stderr_path.read_text(encoding="utf-8", errors="replace")

    def status(self) -> tuple[int, int]:
        """(monotonic ns, index) from the status slot."""
        data = self.status_file.read_bytes()
        return int.from_bytes(data[:8], "little", signed=True), int.from_bytes(data[8:], "little", signed=True)

    def kill(self) -> None:
        """Kill the worker and whatever its tests started (it leads its own process group).

        Only while the worker is not yet reaped: until then its pid, and so the group id, cannot have
        been reused by an unrelated process."""
        if self.popen.poll() is not None:
            return
        try:
            os.killpg(self.popen.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.popen.wait()

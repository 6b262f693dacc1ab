"""Fixtures for the shim's tests: a fake engine on a unix socket and worker processes it serves."""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path
from typing import Iterator, Optional

import pytest

# Found whatever the import mode: the helper modules sit beside this file.
if str(Path(__file__).resolve().parent) not in sys.path:
    sys.path.insert(0, str(Path(__file__).resolve().parent))

from shim_harness import WorkerProcess  # noqa: E402  (first: it puts jackd_shim on sys.path)
from fake_engine import FakeEngine  # noqa: E402


@pytest.fixture
def socket_dir() -> Iterator[Path]:
    # Unix socket paths are limited to ~107 bytes; tmp_path can be longer than that.
    path = Path(tempfile.mkdtemp(prefix="jackd-shim-"))
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture
def engine(socket_dir: Path) -> Iterator[FakeEngine]:
    fake = FakeEngine(str(socket_dir / "engine.sock"))
    yield fake
    fake.stop(grace=None)


@pytest.fixture
def spawn_worker(tmp_path: Path, engine: FakeEngine):
    """spawn_worker(project, *pytest_args, worker_id="gw0", env={}) -> WorkerProcess; killed at the end."""
    workers: list[WorkerProcess] = []

    def spawn(project: Path, *args: str, worker_id: str = "gw0", env: Optional[dict[str, str]] = None,
              address: Optional[str] = None) -> WorkerProcess:
        status = tmp_path / f"status-{worker_id}-{len(workers)}.bin"
        worker = WorkerProcess(project, address or engine.address, args, worker_id, status, env or {})
        workers.append(worker)
        return worker

    yield spawn
    for worker in workers:
        worker.kill()

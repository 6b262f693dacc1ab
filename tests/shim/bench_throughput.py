"""Throughput of one shim worker on trivial tests, next to plain pytest running the same suite.

    python tests/shim/bench_throughput.py [--tests 2000] [--repeat 3] [--batch 200] [--report-at 50]

Both sides are timed the same way, by a conftest hookwrapper around pytest_runtestloop, so collection and
interpreter start-up are excluded: for the worker that is the span from WorkerReady to the stream's end
(every result delivered to the fake engine). Prints the best of --repeat runs.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import shim_harness  # noqa: E402  (also puts jackd_shim on sys.path)
from fake_engine import FakeEngine, serve_all  # noqa: E402

TIMING_CONFTEST = """\
import os
import time

import pytest


@pytest.hookimpl(hookwrapper=True)
def pytest_runtestloop(session):
    start = time.perf_counter()
    yield
    with open(os.path.join(os.path.dirname(__file__), "loop-seconds.txt"), "w") as out:
        out.write(repr(time.perf_counter() - start))
"""


def make_project(root: Path, tests: int) -> Path:
    return shim_harness.write_project(root, {
        "conftest.py": TIMING_CONFTEST,
        "test_trivial.py": f"""\
            import pytest

            @pytest.mark.parametrize("i", range({tests}))
            def test_trivial(i):
                pass
        """,
    })


def loop_seconds(project: Path) -> float:
    return float((project / "loop-seconds.txt").read_text())


def plain_pytest(project: Path) -> float:
    subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"], cwd=project,
                   env=shim_harness.shim_env(), stdout=subprocess.DEVNULL, check=True)
    return loop_seconds(project)


def jackd_worker(project: Path, work: Path, batch: int, report_at: int) -> float:
    engine = FakeEngine(str(work / "engine.sock"))
    try:
        ids = [item.node_id for item in shim_harness.run_collect(project, "-q").report.items]
        worker = shim_harness.WorkerProcess(project, engine.address, ("-q", "-p", "no:cacheprovider"), "gw0",
                                        work / "status.bin", {})
        stream = engine.accept()
        stream.ready()
        results = serve_all(stream, ids, batch_size=batch, report_at=report_at)
        assert len(results) == len(ids)
        assert worker.wait() == 0, worker.stderr()
    finally:
        engine.stop(grace=None)
    return loop_seconds(project)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tests", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--batch", type=int, default=200)
    parser.add_argument("--report-at", type=int, default=50)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="jackd-bench-") as tmp:
        work = Path(tmp)
        project = make_project(work / "project", options.tests)
        plain = min(plain_pytest(project) for _ in range(options.repeat))
        shim = min(jackd_worker(project, work, options.batch, options.report_at) for _ in range(options.repeat))
    n = options.tests
    print(f"{n} trivial tests, best of {options.repeat}, run loop only")
    print(f"  plain pytest : {plain:6.3f} s  {n / plain:8.0f} tests/s")
    print(f"  jackd worker : {shim:6.3f} s  {n / shim:8.0f} tests/s  ({shim / plain:.2f}x plain pytest's time)")


if __name__ == "__main__":
    main()

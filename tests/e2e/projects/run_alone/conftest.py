"""Records where and when every test ran.

E2E_EVENTS names a file; each event is one JSON line written with a single os.write on an O_APPEND
descriptor, so lines of concurrent workers never interleave. Without E2E_EVENTS nothing is written.

- {"kind": "test", "node_id", "worker", "pid", "start", "end", "marks", "benchmark"}: one per test,
  written at its teardown; start/end are time.monotonic() (CLOCK_MONOTONIC, shared by all processes)
  around the test's own set-up, call and teardown, which sleeps TEST_SLEEP while recording; marks are
  its mark names; benchmark tells whether it requested the `benchmark` fixture.
- {"kind": "bench", "node_id", "calls"}: how often a benchmark test's benchmarked function ran (once when
  pytest-benchmark is disabled, `rounds` times when it really measures).

E2E_BARRIER=N: before its first test, each worker announces itself and waits (at most BARRIER_SECONDS)
until N workers have, so every worker is running tests in the parallel phase and a test that wrongly
runs then would overlap with another. Only for runs with parallel tests: a worker whose first test runs
alone would wait in vain.
"""
import os
import time

import pytest
from e2e_events import emit, wait_for_all_workers

TEST_SLEEP = 0.1  # seconds: long enough that a test run in the wrong phase overlaps another one






@pytest.fixture(autouse=True)
def record_test(request):
    wait_for_all_workers()
    start = time.monotonic()
    yield
    if not os.environ.get("E2E_EVENTS"):
        return
    time.sleep(TEST_SLEEP)
    emit(dict(
        kind="test",
        node_id=request.node.nodeid,
        worker=os.environ.get("PYTEST_XDIST_WORKER"),
        pid=os.getpid(),
        start=start,
        end=time.monotonic(),
        marks=sorted({mark.name for mark in request.node.iter_markers()}),
        benchmark="benchmark" in request.fixturenames,
    ))


@pytest.fixture
def measured(benchmark, request):
    """Benchmarks a tiny function for a fixed number of rounds and records how often it really ran."""
    calls = []

    def run(rounds=3):
        benchmark.pedantic(lambda: calls.append(1), rounds=rounds, iterations=1)
        emit(dict(kind="bench", node_id=request.node.nodeid, calls=len(calls)))

    return run

"""Records where and when every test ran.

E2E_EVENTS names a file; each event is one JSON line written with a single os.write on an O_APPEND
descriptor, so lines of concurrent workers never interleave. Without E2E_EVENTS nothing is written.

- {"kind": "test", "node_id", "worker", "pid", "start", "end", "pool"}: one per test, written at its
  teardown; start/end are time.monotonic() (CLOCK_MONOTONIC, shared by all processes) around its
  set-up, call and teardown, which sleeps TEST_SLEEP while recording; pool is the first argument (or
  `pool=`) of its closest jackd_limit mark, null without one.

E2E_BARRIER=N: before its first test, each worker announces itself and waits (at most BARRIER_SECONDS)
until N workers have. The pool tests come first in collection order, so workers starting together would
run more of them at once than the limit allows, unless it holds.
"""
import os
import time

import pytest
from e2e_events import emit, wait_for_all_workers

TEST_SLEEP = 0.15  # seconds: long enough that tests running at once overlap by a wide margin






@pytest.fixture(autouse=True)
def record_test(request):
    wait_for_all_workers()
    start = time.monotonic()
    yield
    if not os.environ.get("E2E_EVENTS"):
        return
    time.sleep(TEST_SLEEP)
    mark = request.node.get_closest_marker("jackd_limit")
    pool = None
    if mark is not None:
        pool = mark.args[0] if mark.args else mark.kwargs.get("pool")
    emit(dict(
        kind="test",
        node_id=request.node.nodeid,
        worker=os.environ.get("PYTEST_XDIST_WORKER"),
        pid=os.getpid(),
        start=start,
        end=time.monotonic(),
        pool=pool,
    ))

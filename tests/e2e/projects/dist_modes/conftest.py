"""Records where and when every test ran, and every module and class fixture set-up.

E2E_EVENTS names a file; each event is one JSON line written with a single os.write on an O_APPEND
descriptor, so lines of concurrent workers never interleave. Without E2E_EVENTS nothing is written.

- {"kind": "test", "node_id", "worker", "pid", "start", "end", "file", "cls", "groups"}: one per test,
  written at its teardown. start/end are time.monotonic() (CLOCK_MONOTONIC, shared by all processes);
  file is relative to the rootdir, cls the test's class as __qualname__ (null outside classes), groups
  the sorted distinct names of its xdist_group marks: structured facts, never read from node IDs.
- {"kind": "setup", "scope": "module"|"class", "key", "pid", "worker"}: a module or class fixture set up.

E2E_BARRIER=N: before its first test, each worker announces itself and waits (at most
BARRIER_SECONDS) until N workers have, so a slow-starting worker cannot leave the others to run
everything. A worker that gave up waiting says so in its test events.
"""
import os
import time

import pytest
from e2e_events import barrier_timed_out, emit, wait_for_all_workers

TEST_SLEEP = 0.02  # seconds: long enough for both workers to take part, short enough to keep runs fast






def rel_file(request):
    return request.path.relative_to(request.config.rootpath).as_posix()


@pytest.fixture(scope="module", autouse=True)
def module_resource(request):
    emit(dict(kind="setup", scope="module", key=rel_file(request), pid=os.getpid(),
              worker=os.environ.get("PYTEST_XDIST_WORKER")))
    yield


@pytest.fixture(scope="class", autouse=True)
def class_resource(request):
    if request.cls is not None:
        emit(dict(kind="setup", scope="class", key=f"{rel_file(request)}::{request.cls.__qualname__}",
                  pid=os.getpid(), worker=os.environ.get("PYTEST_XDIST_WORKER")))
    yield


@pytest.fixture(autouse=True)
def record_test(request):
    wait_for_all_workers()
    start = time.monotonic()
    yield
    if not os.environ.get("E2E_EVENTS"):
        return
    time.sleep(TEST_SLEEP)
    groups = set()
    for mark in request.node.iter_markers("xdist_group"):
        groups.add(str(mark.args[0] if mark.args else mark.kwargs.get("name", "default")))
    emit(dict(
        kind="test",
        node_id=request.node.nodeid,
        worker=os.environ.get("PYTEST_XDIST_WORKER"),
        pid=os.getpid(),
        start=start,
        end=time.monotonic(),
        file=rel_file(request),
        cls=request.cls.__qualname__ if request.cls is not None else None,
        groups=sorted(groups),
        barrier_timed_out=barrier_timed_out(),
    ))

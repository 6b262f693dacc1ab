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
import json
import os
import time

import pytest

TEST_SLEEP = 0.02  # seconds: long enough for both workers to take part, short enough to keep runs fast
BARRIER_SECONDS = 30


def emit(event):
    path = os.environ.get("E2E_EVENTS")
    if not path:
        return
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, (json.dumps(event) + "\n").encode())
    finally:
        os.close(fd)


_barrier = {"passed": False, "timed_out": False}


def wait_for_all_workers():
    path = os.environ.get("E2E_EVENTS")
    if _barrier["passed"] or not os.environ.get("E2E_BARRIER") or not path:
        return
    _barrier["passed"] = True
    directory = path + ".barrier"
    os.makedirs(directory, exist_ok=True)
    open(os.path.join(directory, os.environ.get("PYTEST_XDIST_WORKER") or str(os.getpid())), "w").close()
    deadline = time.monotonic() + BARRIER_SECONDS
    while len(os.listdir(directory)) < int(os.environ["E2E_BARRIER"]):
        if time.monotonic() > deadline:
            _barrier["timed_out"] = True
            return
        time.sleep(0.01)


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
        barrier_timed_out=_barrier["timed_out"],
    ))

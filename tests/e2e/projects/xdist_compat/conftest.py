"""A conftest written for pytest-xdist, recording what it sees.

`session_data` is the recipe from pytest-xdist's documentation ("Making session-scoped fixtures execute
only once"), unchanged but for the event it emits: the expensive part must run once per run, however
many workers there are, and every worker must get its result.

E2E_EVENTS names a file; each event is one JSON line written with a single os.write on an O_APPEND
descriptor, so lines of concurrent workers never interleave. Without E2E_EVENTS nothing is written.
- {"kind": "expensive", "pid", "worker", "testrun_uid"}: produce_expensive_data ran.
- {"kind": "test", "node_id", "pid", "worker_id", "testrun_uid", "env": {PYTEST_XDIST_*}, "token",
  "shared_dir"}: one per test; token identifies the session data it got, shared_dir is
  tmp_path_factory.getbasetemp().parent, the directory the recipe shares between workers.

E2E_BARRIER=N: before its first test, each worker announces itself and waits (at most BARRIER_SECONDS)
until N workers have, so every worker asks for the session data, at about the same time.
"""
import json
import os
import time
import uuid

import pytest
from e2e_events import emit, wait_for_all_workers
from filelock import FileLock

EXPENSIVE_SECONDS = 0.3  # long enough that workers asking at the same time would both compute it




def produce_expensive_data():
    emit(dict(kind="expensive", pid=os.getpid(), worker=os.environ.get("PYTEST_XDIST_WORKER"),
              testrun_uid=os.environ.get("PYTEST_XDIST_TESTRUNUID")))
    time.sleep(EXPENSIVE_SECONDS)
    return {"token": uuid.uuid4().hex}


# --- the recipe, as pytest-xdist documents it --------------------------------------------------------
@pytest.fixture(scope="session")
def session_data(tmp_path_factory, worker_id):
    if worker_id == "master":
        # not executing in with multiple workers, just produce the data and let
        # pytest's fixture caching do its job
        return produce_expensive_data()

    # get the temp directory shared by all workers
    root_tmp_dir = tmp_path_factory.getbasetemp().parent

    fn = root_tmp_dir / "data.json"
    with FileLock(str(fn) + ".lock"):
        if fn.is_file():
            data = json.loads(fn.read_text())
        else:
            data = produce_expensive_data()
            fn.write_text(json.dumps(data))
    return data
# ------------------------------------------------------------------------------------------------------




@pytest.fixture(autouse=True)
def record_test(request, worker_id, testrun_uid, tmp_path_factory):
    wait_for_all_workers()
    session = request.getfixturevalue("session_data")
    yield
    emit(dict(
        kind="test",
        node_id=request.node.nodeid,
        pid=os.getpid(),
        worker_id=worker_id,
        testrun_uid=testrun_uid,
        env={k: v for k, v in os.environ.items() if k.startswith("PYTEST_XDIST_")},
        token=session["token"],
        shared_dir=str(tmp_path_factory.getbasetemp().parent),
    ))

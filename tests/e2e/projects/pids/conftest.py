"""Records which processes ran what, for the e2e tests of process handling and the worker environment.

With E2E_PID_DIR set, every pytest process that loads this conftest (jackd's collection process and each
worker) writes `process-<pid>.json`, and every test writes `test-<sha1 of node id>.json`, each holding
pid, process group, parent pid, process name and the xdist-compatible environment.

E2E_BLOCK_DIR: each test writes `started-<pid>-<sha1>` there, then waits (at most 60 s) until a file
named `release` appears, so a test can act on the engine while tests are running.

E2E_DIE_IN_WORKER=exit|raise: in a worker process (PYTEST_XDIST_WORKER set), importing this conftest
ends the process (os._exit(17)) or raises, as a worker that dies on import would.
"""
import hashlib
import json
import os
import random
import sys
import time

import pytest

_die = os.environ.get("E2E_DIE_IN_WORKER")
if _die and os.environ.get("PYTEST_XDIST_WORKER"):
    if _die == "exit":
        os._exit(17)
    raise RuntimeError("e2e conftest refuses to load in a worker (E2E_DIE_IN_WORKER=raise)")

BLOCK_LIMIT_SECONDS = 60  # generous: the e2e test releases blocked tests within seconds


def _write_record(name, data):
    directory = os.environ.get("E2E_PID_DIR")
    if not directory:
        return
    final = os.path.join(directory, name + ".json")
    partial = final + f".{os.getpid()}.partial"
    with open(partial, "w", encoding="utf-8") as f:
        json.dump(data, f)
    os.replace(partial, final)


def _process_facts():
    return {
        "pid": os.getpid(),
        "pgid": os.getpgid(0),
        "ppid": os.getppid(),
        "comm": open("/proc/self/comm").read().strip(),  # "jackd-gwN" in a forked worker
        "PYTEST_XDIST_WORKER": os.environ.get("PYTEST_XDIST_WORKER"),
        "PYTEST_XDIST_WORKER_COUNT": os.environ.get("PYTEST_XDIST_WORKER_COUNT"),
        "PYTEST_XDIST_TESTRUNUID": os.environ.get("PYTEST_XDIST_TESTRUNUID"),
    }


def pytest_configure(config):
    # `random` must be reseeded in every worker, forked or not.
    _write_record(f"process-{os.getpid()}", dict(_process_facts(), argv=sys.argv, random=random.random()))


def _optional_fixture(request, name):
    try:
        return request.getfixturevalue(name)
    except pytest.FixtureLookupError:
        return None


@pytest.fixture(autouse=True)
def record_test(request):
    nodeid = request.node.nodeid
    digest = hashlib.sha1(nodeid.encode()).hexdigest()
    facts = _process_facts()
    facts.update(
        node_id=nodeid,
        worker_id_fixture=_optional_fixture(request, "worker_id"),
        testrun_uid_fixture=_optional_fixture(request, "testrun_uid"),
    )
    _write_record(f"test-{digest}", facts)
    block_dir = os.environ.get("E2E_BLOCK_DIR")
    if block_dir:
        open(os.path.join(block_dir, f"started-{os.getpid()}-{digest}"), "w").close()
        deadline = time.monotonic() + BLOCK_LIMIT_SECONDS
        while not os.path.exists(os.path.join(block_dir, "release")):
            if time.monotonic() > deadline:
                pytest.fail("e2e: never released from E2E_BLOCK_DIR")
            time.sleep(0.05)
    yield

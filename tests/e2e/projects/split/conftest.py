"""Twelve files of five tests; each module records which process imported it (E2E_IMPORT_LOG), each
test which process ran it (E2E_RUN_LOG).

As in pytest's documentation, tests marked `slow` are skipped in pytest_collection_modifyitems unless
--runslow is given: a worker that collects a file only for the tests it was handed must apply this too.

E2E_LATE_WORKER=gwN: that worker, a worker slow to start, waits in pytest_configure (before it collects)
until some test has run (E2E_RUN_LOG has a line), for at most E2E_LATE_WORKER_SECONDS (default 60), and
appends "saw a test" or "gave up" to E2E_LATE_LOG.

E2E_EXIT_AFTER_SHARE=gwN: that worker, when it collects a share for the engine (JACKD_COLLECT_SHARE=K/N),
exits 0 once its share is written, before it connects: as a worker killed right after collecting would.
"""
import os
import time

import pytest
from record_import import append


def pytest_addoption(parser):
    parser.addoption("--runslow", action="store_true", default=False, help="run slow tests")


def pytest_configure(config):
    late = os.environ.get("E2E_LATE_WORKER")
    if not late or os.environ.get("PYTEST_XDIST_WORKER") != late:
        return
    run_log = os.environ["E2E_RUN_LOG"]
    deadline = time.monotonic() + float(os.environ.get("E2E_LATE_WORKER_SECONDS", "60"))
    while time.monotonic() < deadline:
        if os.path.exists(run_log) and os.path.getsize(run_log) > 0:
            append("E2E_LATE_LOG", "saw a test")
            return
        time.sleep(0.05)
    append("E2E_LATE_LOG", "gave up")


@pytest.hookimpl(hookwrapper=True)  # before the worker plugin's loop
def pytest_runtestloop(session):
    gone = os.environ.get("E2E_EXIT_AFTER_SHARE")
    if gone and os.environ.get("PYTEST_XDIST_WORKER") == gone and "/" in os.environ.get("JACKD_COLLECT_SHARE", ""):
        os._exit(0)
    yield


def pytest_collection_modifyitems(config, items):
    if config.getoption("--runslow"):
        return
    skip_slow = pytest.mark.skip(reason="need --runslow option to run")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip_slow)


@pytest.fixture(autouse=True)
def record_process(request):
    """Appends "<pid> <node id>" to E2E_RUN_LOG, when set."""
    append("E2E_RUN_LOG", f"{os.getpid()} {request.node.nodeid}")

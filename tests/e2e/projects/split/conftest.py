"""Twelve files of five tests; each module records which process imported it (E2E_IMPORT_LOG), each
test which process ran it (E2E_RUN_LOG).

As in pytest's documentation, tests marked `slow` are skipped in pytest_collection_modifyitems unless
--runslow is given: a worker that collects a file only for the tests it was handed must apply this too.
"""
import os

import pytest
from record_import import append


def pytest_addoption(parser):
    parser.addoption("--runslow", action="store_true", default=False, help="run slow tests")


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

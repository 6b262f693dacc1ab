"""Tests that misbehave inside the test process, one kind per file, each between two plain tests.

Every file is meant to be run together with test_bystanders.py: the bystanders must pass whatever the
misbehaving test does to its worker. With E2E_PID_DIR set, every test appends "<pid> <node id>" to
`tests.log` there (before it misbehaves), so the e2e tests can tell which process ran what.

With E2E_EXIT_AFTER_COLLECTION set, pytest_collection_finish calls pytest.exit() with it (return code 3).
"""
import os

import pytest


@pytest.fixture(autouse=True)
def record_process(request):
    directory = os.environ.get("E2E_PID_DIR")
    if directory:
        fd = os.open(os.path.join(directory, "tests.log"), os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, f"{os.getpid()} {request.node.nodeid}\n".encode())
        finally:
            os.close(fd)


def pytest_collection_finish(session):
    reason = os.environ.get("E2E_EXIT_AFTER_COLLECTION")
    if reason:
        pytest.exit(reason, returncode=3)

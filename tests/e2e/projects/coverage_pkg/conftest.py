"""The coverage_pkg project: a small package measured by jackd's --cov and by pytest-cov alike.

With E2E_LOG_DIR set, every test appends "<pid> <node id>" to tests.log there, so the e2e tests can tell
which process ran what. E2E_COVERAGE_CRASH=1 makes tests/test_b_crash.py::test_kill_my_worker SIGKILL its
worker, once per run (a mark file in E2E_LOG_DIR); without it every test passes.
"""
import os

import pytest


@pytest.fixture(autouse=True)
def record_process(request):
    directory = os.environ.get("E2E_LOG_DIR")
    if directory:
        fd = os.open(os.path.join(directory, "tests.log"), os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, f"{os.getpid()} {request.node.nodeid}\n".encode())
        finally:
            os.close(fd)

"""200 quick tests in 5 modules that log their fixtures, for -x and --maxfail.

E2E_FIXTURE_LOG: file that gets one "<pid> <event> <scope> <name>" line per set-up and teardown of the
  session, module and function fixtures (one os.write on an O_APPEND descriptor, so lines from
  concurrent workers never interleave). Without it nothing is written.
E2E_SLEEP: seconds every test sleeps in its call phase (default 0).
E2E_FAIL: comma-separated node IDs of tests that fail in their call phase.
"""
import os

import pytest


def log(event, scope, name):
    path = os.environ.get("E2E_FIXTURE_LOG")
    if not path:
        return
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, f"{os.getpid()} {event} {scope} {name}\n".encode())
    finally:
        os.close(fd)


@pytest.fixture(scope="session", autouse=True)
def session_resource():
    log("setup", "session", "-")
    yield
    log("teardown", "session", "-")


@pytest.fixture(scope="module", autouse=True)
def module_resource(request):
    name = request.module.__name__
    log("setup", "module", name)
    yield
    log("teardown", "module", name)


@pytest.fixture(autouse=True)
def function_resource(request):
    log("setup", "function", request.node.nodeid)
    yield
    log("teardown", "function", request.node.nodeid)

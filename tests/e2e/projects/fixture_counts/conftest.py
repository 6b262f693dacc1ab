"""Fixtures that log every setup and teardown as "<pid> <event> <scope> <name>" lines.

The log file is named by E2E_FIXTURE_LOG; without it nothing is written. Each line is one os.write on an
O_APPEND descriptor, so lines from concurrent workers never interleave.
"""
import os

import pytest


def log(event, scope, name):
    path = os.environ.get("E2E_FIXTURE_LOG")
    if not path:
        return
    line = f"{os.getpid()} {event} {scope} {name}\n".encode()
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, line)
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
    yield name
    log("teardown", "module", name)


@pytest.fixture(scope="class")
def class_resource(request):
    name = f"{request.module.__name__}.{request.cls.__name__}"
    log("setup", "class", name)
    yield name
    log("teardown", "class", name)

"""Records which process ran each test.

E2E_EVENTS names a file; each test appends one JSON line {"kind": "test", "node_id", "pid", "ppid",
"worker"} (worker: PYTEST_XDIST_WORKER). Without E2E_EVENTS nothing is written.
"""
import json
import os

import pytest


@pytest.fixture(autouse=True)
def record_test(request):
    yield
    path = os.environ.get("E2E_EVENTS")
    if not path:
        return
    event = dict(kind="test", node_id=request.node.nodeid, pid=os.getpid(), ppid=os.getppid(),
                 worker=os.environ.get("PYTEST_XDIST_WORKER"))
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, (json.dumps(event) + "\n").encode())
    finally:
        os.close(fd)

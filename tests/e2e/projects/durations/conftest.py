"""Records when each test started, and can hold one test until released.

- E2E_EVENTS: each test emits {"kind": "test", "node_id", "file", "pid", "start"} (time.monotonic(),
  CLOCK_MONOTONIC, shared by all processes) as it starts, through the shared recorder
  (tests/e2e/support/e2e_events.py).
- E2E_BLOCK_DIR: test_pause.py's test writes `started` there, then waits (at most 60 s) until a file
  named `release` appears, so the e2e test can signal the engine while it runs and after the tests
  before it have finished.
"""
import os
import time

import pytest
from e2e_events import emit

BLOCK_LIMIT_SECONDS = 60  # generous: the e2e test releases the blocked test within seconds


@pytest.fixture(autouse=True)
def record_start(request):
    emit(dict(kind="test", node_id=request.node.nodeid, pid=os.getpid(), start=time.monotonic(),
              file=request.path.relative_to(request.config.rootpath).as_posix()))
    yield


@pytest.fixture
def pause_point():
    """Blocks while E2E_BLOCK_DIR is set and has no `release` file; returns at once otherwise."""
    block_dir = os.environ.get("E2E_BLOCK_DIR")
    if not block_dir:
        return
    open(os.path.join(block_dir, "started"), "w").close()
    deadline = time.monotonic() + BLOCK_LIMIT_SECONDS
    while not os.path.exists(os.path.join(block_dir, "release")):
        if time.monotonic() > deadline:
            pytest.fail("e2e: never released from E2E_BLOCK_DIR")
        time.sleep(0.05)

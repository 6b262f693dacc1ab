"""Tests that hold their worker until the e2e test opens a gate, so a host can be cut off mid-run.

With E2E_GATE_DIR set, each test appends "<E2E_HOST> <node id>" to started.log there, then waits for the
file `open` there (at most E2E_GATE_SECONDS, default 120). Without it they pass at once.
"""
import os
import time

import pytest

GATE_POLL_SECONDS = 0.05


@pytest.mark.parametrize("n", range(24))
def test_gated(n):
    directory = os.environ.get("E2E_GATE_DIR")
    if not directory:
        return
    with open(os.path.join(directory, "started.log"), "a", encoding="utf-8") as log:
        log.write(f"{os.environ.get('E2E_HOST', '?')} {n}\n")
    deadline = time.monotonic() + float(os.environ.get("E2E_GATE_SECONDS", "120"))
    while not os.path.exists(os.path.join(directory, "open")) and time.monotonic() < deadline:
        time.sleep(GATE_POLL_SECONDS)

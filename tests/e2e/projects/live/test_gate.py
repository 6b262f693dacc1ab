"""A test that runs until the e2e test opens its gate (the file E2E_GATE names), so what a live view
shows of a long test is observed without depending on how long anything takes."""
import os
import time

GATE_PATIENCE = 90  # seconds; the e2e test opens the gate long before, this only ends a forgotten run


def test_gate():
    gate = os.environ["E2E_GATE"]
    deadline = time.monotonic() + GATE_PATIENCE
    while not os.path.exists(gate):
        assert time.monotonic() < deadline, "the gate was never opened"
        time.sleep(0.05)

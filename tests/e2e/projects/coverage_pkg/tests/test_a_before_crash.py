import time

from pkg.crashy import beta

# Longer than the shim's results flush interval (0.1 s), so this result, and the coverage saved with it,
# reach the engine before the crash in test_b_crash.py on the same worker.
SETTLE = 0.3


def test_covers_beta():
    assert beta() == "BETA"
    time.sleep(SETTLE)

import os
import time
from pathlib import Path

SIGNALS = Path(os.environ["E2E_SIGNAL_DIR"])
WAIT = 90  # seconds; the harness releases the test within a few seconds


def test_tmp_path_outlives_other_pytest_sessions(tmp_path):
    kept = tmp_path / "kept.txt"
    kept.write_text("still here")
    (SIGNALS / "started").write_text(str(tmp_path))
    deadline = time.monotonic() + WAIT
    while not (SIGNALS / "go").exists():
        assert time.monotonic() < deadline, "never released"
        time.sleep(0.05)
    assert kept.read_text() == "still here"

"""The run's basetemp survives other pytest sessions of the same user.

pytest deletes all but the newest three of its numbered temporary directories whenever a session makes a
new one, sparing only directories with a live `.lock`. The engine holds the lock of its run's directory
(the collect process that made it has exited), so tmp_path directories do not vanish under running
tests.
"""
import time

# More sessions than pytest keeps (3), so without the lock the run's directory would be cleaned up.
OTHER_SESSIONS = 5
WAIT = 90  # seconds for the test to start; it starts within seconds


def test_tmp_path_survives_other_pytest_sessions(project, start_jackd, run_pytest, tmp_path):
    signals = tmp_path / "signals"
    signals.mkdir()
    run = start_jackd(project("basetemp"), "-n", "1", env={"E2E_SIGNAL_DIR": signals})
    deadline = time.monotonic() + WAIT
    while not (signals / "started").exists():
        assert time.monotonic() < deadline, run.output_so_far()
        time.sleep(0.05)
    other = project("uses_tmp_path")
    for _ in range(OTHER_SESSIONS):
        assert run_pytest(other).rc == 0
    (signals / "go").write_text("")
    result = run.wait()
    assert result.rc == 0, result.describe()
    assert result.outcome_map() == {"test_keeps_tmp_path.py::test_tmp_path_outlives_other_pytest_sessions": "passed"}

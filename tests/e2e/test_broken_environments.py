"""Environments where workers cannot serve although the engine's own collection worked: a conftest that
raises only in workers, a plugin that fails at import, workers that never connect, a worker whose
collection differs. Each ends quickly with one `jackd: error: <what> (<hint>)` line and a documented
exit code, every test accounted for, and no process left.

The broken_workers project relies on PYTEST_XDIST_WORKER, which jackd sets in its workers only.
"""
import subprocess

from fault_checks import assert_gone, check_all_accounted
from jackd_e2e import PYTEST_TIMEOUT, assert_no_engine_noise, assert_one_line_error, clean_env

TOTAL = 4 + 1
QUICK_BOUND = 30  # seconds; these runs end in 2 to 5 (no hang, no waiting on the default deadlines)


def test_conftest_that_raises_only_in_workers(project, run_jackd):
    result = run_jackd(project("broken_workers"), "-n", "2", env={"E2E_WORKER_RAISE": "1"})
    assert result.rc == 3, result.describe()
    assert result.seconds < QUICK_BOUND, result.describe()
    assert_one_line_error(result)
    # The user's traceback, from the worker's stderr.
    assert "RuntimeError: e2e conftest raises only in workers" in result.stderr, result.describe()
    assert "conftest.py" in result.stderr, result.describe()
    assert_no_engine_noise(result, allow_user_traceback=True)
    assert set(check_all_accounted(result, TOTAL).values()) == {"not_run"}, result.describe()


def test_plugin_that_fails_at_import(project, run_jackd, test_python):
    # `-p module` whose import raises: pytest cannot start, in jackd's collection already. jackd exits
    # as pytest does for the same command (pytest 9 exits 3 here, a plugin it cannot find is 4; before 9
    # the exception escapes pytest and Python exits 1) and shows pytest's message.
    path = project("broken_workers")
    env = {"PYTHONPATH": path}
    # Plain pytest by hand: the run_pytest fixture sets PYTHONPATH itself.
    plain = subprocess.run(
        [test_python, "-m", "pytest", "-p", "e2e_broken_plugin"],
        cwd=path,
        env=clean_env(env),
        capture_output=True,
        text=True,
        timeout=PYTEST_TIMEOUT,
    )
    assert plain.returncode in (1, 3, 4) and "e2e plugin fails at import" in plain.stderr, plain.stderr
    result = run_jackd(path, "-n", "2", "-p", "e2e_broken_plugin", env=env)
    assert result.rc == plain.returncode, result.describe()
    assert result.seconds < QUICK_BOUND, result.describe()
    if "Error while loading plugin" in plain.stderr:  # pytest 9.2 and later say so before the traceback
        assert 'Error while loading plugin "e2e_broken_plugin"' in result.stderr, result.describe()
    assert "RuntimeError: e2e plugin fails at import" in result.stderr, result.describe()
    assert_one_line_error(result)
    assert_no_engine_noise(result, allow_user_traceback=True)


def test_workers_that_never_connect(project, run_jackd, tmp_path):
    # Workers sleep 30 s in their conftest; --worker-start-timeout 3 gives up on them long before.
    records = tmp_path / "records"
    records.mkdir()
    result = run_jackd(
        project("broken_workers"),
        "-n",
        "2",
        "--worker-start-timeout",
        "3",
        env={"E2E_WORKER_SLEEP": "30", "E2E_PID_DIR": records},
    )
    assert result.rc == 3, result.describe()
    assert result.seconds < 20, f"{result.seconds:.1f}s: the 3 s start timeout did not end the run"
    line = assert_one_line_error(result)
    assert "3s" in line or "3 s" in line or "3.0" in line, f"the error does not name the 3 s limit: {line!r}"
    assert "--worker-start-timeout" in line, f"the error does not name the option to raise: {line!r}"
    assert_no_engine_noise(result)
    sleepers = [int(p.name.split("-")[1]) for p in records.glob("sleeper-*")]
    assert sleepers, "no worker reached the sleeping conftest"
    assert_gone(sleepers, within=10, what="workers that never connected")
    assert set(check_all_accounted(result, TOTAL).values()) == {"not_run"}, result.describe()


def test_worker_collection_differs_from_the_engines(project, run_jackd):
    # test_not_in_gw1 exists in the engine's collection (made by gw0 or the collect process), not in gw1's.
    # Only whole collections are compared: under a split one, each file is collected by one worker.
    result = run_jackd(project("broken_workers"), "-n", "2", "--collection", "whole", env={"E2E_MISMATCH": "1"})
    assert result.rc == 101, result.describe()
    assert result.seconds < QUICK_BOUND, result.describe()
    assert_one_line_error(result)
    assert "test_mismatch.py::test_not_in_gw1" in result.stderr, "the differing test is not named\n" + (
        result.describe()
    )
    assert_no_engine_noise(result)
    # gw0 agrees with the engine's collection (it made it), so it may run tests before gw1's report
    # stops the run; those keep their real outcome, the rest are not run.
    assert set(check_all_accounted(result, TOTAL + 1).values()) <= {"passed", "not_run"}, result.describe()

"""A worker that dies mid-test: the test is `crashed` (named, with the signal or exit code and the tail of
the worker's stderr), the rest of its batch runs on a fresh worker, the restart budget bounds how often
workers are replaced, and --retry-crashed reruns a crashed test on a fresh worker.

The crash project kills its worker four ways (E2E_CRASH): SIGSEGV sent to itself, a null-pointer read
through ctypes (a real segfault in C code), os._exit(3) and SIGKILL sent to itself.
"""
import re

import pytest

from fault_checks import check_all_accounted, pids_logged, report_text
from jackd_e2e import check_report_shape

SEGFAULTS = {
    "test_segfault.py::test_segfault": 'test_segfault.py", line 6 in test_segfault',
    "test_native.py::test_null_pointer_read": 'test_native.py", line 2 in test_null_pointer_read',
}
CRASH_HOW = {
    "test_exit.py::test_exit": r"exit code 3\b",
    "test_kill.py::test_sigkill": r"SIGKILL|signal 9\b",
    "test_segfault.py::test_segfault": r"SIGSEGV|signal 11\b",
    "test_native.py::test_null_pointer_read": r"SIGSEGV|signal 11\b",
}
CRASHED = set(CRASH_HOW)
# The test after each crashing one in its module: with one worker, it was in the dead worker's batch.
AFTER_CRASH = {
    "test_exit.py::test_exit": "test_exit.py::test_after_exit",
    "test_kill.py::test_sigkill": "test_kill.py::test_after_sigkill",
    "test_segfault.py::test_segfault": "test_segfault.py::test_after_segfault",
    "test_native.py::test_null_pointer_read": "test_native.py::test_after_null_pointer_read",
}
TOTAL = 6 + 3 + 4 + 2 + 2
WALL_BOUND = 60  # seconds; these runs take about 5


def crash_env(tmp_path, mode="1"):
    crash_dir = tmp_path / "crash-marks"
    crash_dir.mkdir()
    return crash_dir, {"E2E_CRASH": mode, "E2E_CRASH_DIR": crash_dir}


def attempts(crash_dir, node_id):
    path = crash_dir / (node_id.split("::")[1] + ".attempts")
    return len(path.read_text().splitlines()) if path.exists() else 0


@pytest.mark.parametrize("workers", ["1", "2"])
def test_crashed_tests_are_reported_and_the_rest_run(project, run_jackd, tmp_path, workers):
    crash_dir, env = crash_env(tmp_path)
    result = run_jackd(project("crash"), "-n", workers, env=env)
    outcomes = check_all_accounted(result, TOTAL)
    assert {k: v for k, v in outcomes.items() if k in CRASHED} == dict.fromkeys(CRASHED, "crashed"), (
        result.describe()
    )
    others = {k: v for k, v in outcomes.items() if k not in CRASHED}
    assert set(others.values()) == {"passed"}, others
    assert result.rc == 1, result.describe()
    assert result.seconds < WALL_BOUND, result.describe()
    # Every crash really happened, once each: nothing was retried without --retry-crashed.
    assert {node_id: attempts(crash_dir, node_id) for node_id in CRASHED} == dict.fromkeys(CRASHED, 1)
    output = result.output
    for node_id, how in CRASH_HOW.items():
        assert node_id in output, f"the crash report does not name {node_id}\n" + result.describe()
        text = report_text(result, node_id)
        assert re.search(how, text), f"{node_id}: the report does not say {how!r}:\n{text}"
    # The tail of the crashed worker's stderr: faulthandler's traceback of every thread names the frame.
    for node_id, frame in SEGFAULTS.items():
        text = report_text(result, node_id)
        assert "Fatal Python error: Segmentation fault" in text and frame in text, (
            f"{node_id}: no faulthandler traceback from the worker's stderr:\n{text}"
        )
        assert text.count("Thread 0x") + text.count("Current thread 0x") >= 2, f"only one thread shown:\n{text}"
    # Nothing ran in a process after it crashed: the rest of its batch went to another worker. (With two
    # workers a requeued batch may reach a worker that already ran the test after the crashing one, so
    # the check is on the log's order, not on which process ran that test.)
    log = [line.split(" ", 1) for line in (crash_dir / "tests.log").read_text().splitlines()]
    for node_id in CRASHED:
        at = next(i for i, (_, logged) in enumerate(log) if logged == node_id)
        later = [logged for pid, logged in log[at + 1 :] if pid == log[at][0]]
        assert not later, f"{later} ran in the process that crashed in {node_id}: {log}"
    ran = pids_logged(crash_dir / "tests.log")
    if workers == "1":
        # One worker runs the suite in order: the test after each crashing one was in the dead batch.
        for node_id, after in AFTER_CRASH.items():
            assert ran[after][-1] != ran[node_id][-1], (node_id, after, ran)
        # One worker: each crash is followed by exactly one fresh worker that runs the rest.
        assert len({pid for pids in ran.values() for pid in pids}) == 1 + len(CRASHED), ran
        assert result.output.count("; replaced") == len(CRASHED), result.describe()


def test_crash_project_passes_without_the_knob(project, run_jackd):
    result = run_jackd(project("crash"), "-n", "2")
    assert result.rc == 0, result.describe()
    assert set(check_all_accounted(result, TOTAL).values()) == {"passed"}


def test_restart_budget_bounds_replacements(project, run_jackd, tmp_path):
    # Every crashing test crashes every time; one replacement is allowed, so the second crash ends the
    # run and whatever has not run by then is `not_run`, with the reason.
    crash_dir, env = crash_env(tmp_path, "always")
    result = run_jackd(project("crash"), "-n", "1", "--max-worker-restart", "1", env=env)
    outcomes = check_all_accounted(result, TOTAL)
    assert result.rc == 1, result.describe()
    assert result.seconds < WALL_BOUND, result.describe()
    crashed = sorted(k for k, v in outcomes.items() if v == "crashed")
    not_run = sorted(k for k, v in outcomes.items() if v == "not_run")
    assert len(crashed) == 2, result.describe()
    assert sum(attempts(crash_dir, node_id) for node_id in CRASHED) == 2, "a third worker was started"
    assert set(outcomes.values()) == {"passed", "crashed", "not_run"}, outcomes
    # The crashing tests that never got their turn are among the unrun ones.
    assert CRASHED - set(crashed) <= set(not_run), outcomes
    for node_id in not_run:
        reason = report_text(result, node_id)
        assert "--max-worker-restart" in reason, f"{node_id}: not_run without the budget as reason: {reason!r}"
    assert "--max-worker-restart" in result.stdout, result.describe()


def test_retry_crashed_passes_a_test_that_crashes_once(project, run_jackd, tmp_path):
    # Each crashing test crashes on its first attempt only (a marker file): one retry makes it pass.
    crash_dir, env = crash_env(tmp_path, "1")
    result = run_jackd(project("crash"), "-n", "2", "--retry-crashed", "1", env=env)
    outcomes = check_all_accounted(result, TOTAL)
    assert set(outcomes.values()) == {"passed"}, result.describe()
    assert result.rc == 0, result.describe()
    assert result.seconds < WALL_BOUND, result.describe()
    assert {node_id: attempts(crash_dir, node_id) for node_id in CRASHED} == dict.fromkeys(CRASHED, 1), (
        "each test crashed once before it passed"
    )
    ran = pids_logged(crash_dir / "tests.log")
    for node_id in CRASHED:
        # Run again after the crash, on a fresh worker (a passed retry may run once more if its result
        # was still buffered in a worker that crashed later).
        assert len(ran[node_id]) >= 2 and ran[node_id][-1] != ran[node_id][0], (node_id, ran[node_id])


def test_retry_crashed_gives_up_after_n_plus_one_attempts(project, run_jackd, tmp_path):
    crash_dir, env = crash_env(tmp_path, "always")
    result = run_jackd(
        project("crash"),
        "-n",
        "1",
        "--retry-crashed",
        "2",
        "--max-worker-restart",
        "10",
        "test_segfault.py",
        env=env,
    )
    outcomes = check_all_accounted(result, 4)
    assert outcomes == {
        "test_segfault.py::test_before_segfault": "passed",
        "test_segfault.py::test_segfault": "crashed",
        "test_segfault.py::test_after_segfault": "passed",
        "test_segfault.py::test_last_in_segfault_module": "passed",
    }, result.describe()
    assert result.rc == 1, result.describe()
    assert result.seconds < WALL_BOUND, result.describe()
    assert attempts(crash_dir, "test_segfault.py::test_segfault") == 3, "expected 1 run + 2 retries"
    crash_pids = pids_logged(crash_dir / "tests.log")["test_segfault.py::test_segfault"]
    assert len(set(crash_pids)) == 3, f"each attempt needs a fresh worker: {crash_pids}"
    assert re.search(r"attempt \d of 3\b", result.output), "the retries are not reported\n" + result.describe()
    text = report_text(result, "test_segfault.py::test_segfault")
    assert re.search(CRASH_HOW["test_segfault.py::test_segfault"], text), text
    assert SEGFAULTS["test_segfault.py::test_segfault"] in text, text
    check_report_shape(result)

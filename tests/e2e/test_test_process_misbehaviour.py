"""Tests that misbehave inside the worker process: each ends with one definite outcome and the run goes
on (the other tests of the run pass), with no hang and no process left over.

Each fault sits in its own file of the misbehaving project between a test before and a test after it,
and runs together with six bystanders on one worker, so every later test runs in the process the fault
happened in (or, when the fault ends that process, in its replacement). Where plain pytest has a
sensible answer, jackd's outcome map must equal it (pytest.exit() stops the run in both); where plain
pytest stops or misbehaves itself (KeyboardInterrupt raised by a test, a forked child that falls
through), the test pins what jackd does and documents the difference.
"""
import re

import pytest

from fault_checks import assert_gone, check_all_accounted, pids_logged, read_pid, report_text
from jackd_e2e import final_line

WALL_BOUND = 60  # seconds; each run takes 2 to 4
BYSTANDERS = [f"test_bystanders.py::test_bystander[{n}]" for n in range(6)]


def run_fault(project, run_jackd, tmp_path, module, *args):
    path = project("misbehaving")
    records = tmp_path / "records"
    records.mkdir()
    result = run_jackd(path, "-n", "1", *args, module, "test_bystanders.py", env={"E2E_PID_DIR": records})
    assert result.seconds < WALL_BOUND, result.describe()
    return path, records, result


def others_passed(outcomes, module, fault):
    """The tests around the fault and the bystanders all passed."""
    others = {k: v for k, v in outcomes.items() if k != f"{module}::{fault}"}
    assert set(others) >= {f"{module}::test_before", f"{module}::test_after", *BYSTANDERS}, others
    assert set(others.values()) == {"passed"}, others


def one_worker_throughout(records, result):
    """Every test ran once, all in the same worker process: the fault did not end it."""
    ran = pids_logged(records / "tests.log")
    assert all(len(pids) == 1 for pids in ran.values()), f"a test ran twice: {ran}"
    assert len({pids[0] for pids in ran.values()}) == 1, f"the worker was replaced: {ran}\n" + result.describe()


def test_keyboard_interrupt_in_a_test_crashes_only_its_worker(project, run_jackd, run_pytest, tmp_path):
    # Plain pytest ends the whole session (exit 2, nothing after the test runs). A KeyboardInterrupt
    # raised by a test (a real Ctrl-C reaches the engine, not the workers) ends only the worker's pytest
    # session: the test is `crashed` (its worker exited with pytest's code 2), the worker is replaced,
    # and the rest of the run goes on.
    module, fault = "test_keyboard_interrupt.py", "test_raises_keyboard_interrupt"
    path, records, result = run_fault(project, run_jackd, tmp_path, module)
    node_id = f"{module}::{fault}"
    outcomes = check_all_accounted(result, 3 + 6)
    assert outcomes[node_id] == "crashed", result.describe()
    others_passed(outcomes, module, fault)
    assert result.rc == 1, result.describe()
    assert re.search(r"exit code 2\b", report_text(result, node_id)), result.describe()
    ran = pids_logged(records / "tests.log")
    assert ran[f"{module}::test_after"][-1] != ran[node_id][-1], f"the test after ran in the ended worker: {ran}"
    plain = run_pytest(path, module, "test_bystanders.py")
    assert plain.rc == 2 and plain.outcome_map()[f"{module}::test_after"] == "not_run", plain.describe()


@pytest.mark.parametrize(
    "module, fault, reason, code",
    [
        ("test_pytest_exit.py", "test_calls_pytest_exit", "bye", 2),
        ("test_pytest_exit_code.py", "test_needs_database", "database not reachable", 3),
    ],
    ids=["in-a-test", "in-a-fixture-with-returncode"],
)
def test_pytest_exit_ends_the_run_as_in_pytest(project, run_jackd, run_pytest, tmp_path, module, fault, reason,
                                                code):
    # pytest ends its session at pytest.exit(), with the code asked for (2, INTERRUPTED, by default), and
    # reports nothing for the test that called it. So does jackd: that test and every later one end
    # not_run, with pytest.exit's message as the reason; no worker crashed or was replaced.
    path, records, result = run_fault(project, run_jackd, tmp_path, module)
    plain = run_pytest(path, module, "test_bystanders.py")
    outcomes = check_all_accounted(result, 3 + 6)
    assert outcomes == plain.outcome_map(), result.describe() + "\n" + plain.describe()
    assert outcomes[f"{module}::test_before"] == "passed" and outcomes[f"{module}::{fault}"] == "not_run"
    assert result.rc == plain.rc == code, result.describe()
    line = f"_pytest.outcomes.Exit: {reason}"
    assert line in plain.stdout and line in result.stdout, result.describe()
    assert result.report["stop_reason"] == line, result.report
    assert {t["reason"] for t in result.tests if t["outcome"] == "not_run"} == {line}, result.describe()
    assert "crashed" not in result.output and "replaced" not in result.output, result.describe()
    assert len(pids_logged(records / "tests.log")[f"{module}::{fault}"]) == 1, result.describe()  # not retried


EXIT_WITH_CODE = '''
import warnings
import pytest

def test_fails_with_a_warning():
    warnings.warn("careful")
    assert 0

def test_exits():
    pytest.exit("database not reachable", returncode={code})
'''


def banners(stdout):
    """The titles of the output's '=' and '!' lines, in order; the final line (its counts differ: jackd's
    has the not-run tests) as "<final line>"."""
    closing = final_line(stdout)
    titles = []
    for line in stdout.splitlines():
        match = re.match(r"^[=!]+ (.*?) [=!]+$", line.strip())
        if match:
            titles.append("<final line>" if match.group(1) == closing else match.group(1))
    return titles


@pytest.mark.parametrize("code", [1, 3])
def test_pytest_exit_with_a_code_prints_what_pytest_prints_in_its_order(project, tmp_path, run_jackd, run_pytest,
                                                                        code):
    # pytest prints its terminal summary (failures, warnings, short summary) only for exit codes 0, 1, 2, 4
    # and 5, and pytest.exit()'s line after the final line unless the code is 2.
    source = tmp_path / "exit_code"
    source.mkdir()
    (source / "pytest.ini").write_text("[pytest]\n")
    (source / "test_exit_code.py").write_text(EXIT_WITH_CODE.format(code=code))
    path = project(source)
    plain = run_pytest(path)
    result = run_jackd(path, "-n", "1")
    assert result.rc == plain.rc == code, result.describe()
    expected = banners(plain.stdout)
    assert expected[-1] == "_pytest.outcomes.Exit: database not reachable", plain.describe()
    assert ("short test summary info" in expected) == (code == 1), plain.describe()
    assert banners(result.stdout) == expected, result.describe()


def test_pytest_exit_stops_every_worker(project, run_jackd, tmp_path):
    # Two workers: the other one is told to stop too, after the test it is running.
    path = project("misbehaving")
    result = run_jackd(path, "-n", "2", "test_pytest_exit_code.py", "test_bystanders.py")
    assert result.seconds < WALL_BOUND, result.describe()
    outcomes = check_all_accounted(result, 3 + 6)
    assert result.rc == 3, result.describe()
    assert outcomes["test_pytest_exit_code.py::test_needs_database"] == "not_run", result.describe()
    assert set(outcomes.values()) <= {"passed", "not_run"}, result.describe()
    assert "crashed" not in result.output and "replaced" not in result.output, result.describe()


@pytest.mark.parametrize("collection", ["split", "whole"])
def test_pytest_exit_in_a_collection_hook_ends_the_run_as_in_pytest(project, run_jackd, run_pytest, collection):
    # The workers collect (each a share, or all of everything): the session ends in them before any
    # test, as in pytest, instead of reading as workers that failed to start.
    path = project("misbehaving")
    env = {"E2E_EXIT_AFTER_COLLECTION": "stop after collecting"}
    plain = run_pytest(path, "test_pytest_exit.py", "test_bystanders.py", env=env)
    result = run_jackd(path, "-n", "2", "--collection", collection, "test_pytest_exit.py", "test_bystanders.py",
                       env=env)
    line = "_pytest.outcomes.Exit: stop after collecting"
    assert result.rc == plain.rc == 3, result.describe() + "\n" + plain.describe()
    assert line in plain.stdout and line in result.stdout, result.describe()
    assert "no tests ran" in final_line(result.stdout), result.describe()
    assert result.report["stop_reason"] == line, result.report
    assert {(t["outcome"], t["reason"]) for t in result.tests} == {("not_run", line)}, result.describe()
    assert "jackd: error" not in result.output, result.describe()


def test_sys_exit_in_a_test_fails_it_like_pytest(project, run_jackd, run_pytest, tmp_path):
    path, records, result = run_fault(project, run_jackd, tmp_path, "test_sys_exit.py")
    outcomes = check_all_accounted(result, 3 + 6)
    plain = run_pytest(path, "test_sys_exit.py", "test_bystanders.py")
    assert outcomes == plain.outcome_map(), result.describe() + "\n" + plain.describe()
    assert outcomes["test_sys_exit.py::test_calls_sys_exit"] == "failed"
    others_passed(outcomes, "test_sys_exit.py", "test_calls_sys_exit")
    assert "SystemExit: 3" in report_text(result, "test_sys_exit.py::test_calls_sys_exit"), result.describe()
    assert result.rc == plain.rc == 1, result.describe()
    one_worker_throughout(records, result)


@pytest.mark.parametrize(
    "module, fault",
    [
        ("test_closes_std_fds.py", "test_closes_fds_0_to_2"),
        ("test_devnull_std_fds.py", "test_dup2s_devnull_over_fds_0_to_2"),
    ],
    ids=["close", "dup2-devnull"],
)
def test_test_that_breaks_the_standard_descriptors(project, run_jackd, run_pytest, tmp_path, module, fault):
    # pytest's capture restores fds 0-2 after each test, so the test passes and so do the later ones in
    # the same worker, which goes on reporting (`-rP` shows the next test's captured output).
    path, records, result = run_fault(project, run_jackd, tmp_path, module, "-rP")
    outcomes = check_all_accounted(result, 3 + 6)
    plain = run_pytest(path, module, "test_bystanders.py")
    assert outcomes == plain.outcome_map(), result.describe() + "\n" + plain.describe()
    assert outcomes[f"{module}::{fault}"] == "passed"
    others_passed(outcomes, module, fault)
    assert result.rc == 0, result.describe()
    assert "output after" in report_text(result, f"{module}::test_after"), "the next test's output was lost"
    assert "crashed" not in result.stdout, result.describe()
    one_worker_throughout(records, result)


def test_fork_child_that_exits_with_os_exit(project, run_jackd, run_pytest, tmp_path):
    path, records, result = run_fault(project, run_jackd, tmp_path, "test_fork_exit.py")
    outcomes = check_all_accounted(result, 3 + 6)
    plain = run_pytest(path, "test_fork_exit.py", "test_bystanders.py")
    assert outcomes == plain.outcome_map() == dict.fromkeys(outcomes, "passed"), result.describe()
    assert result.rc == 0, result.describe()
    one_worker_throughout(records, result)


def test_fork_child_that_falls_through_with_sys_exit(project, run_jackd, run_pytest, tmp_path):
    # The child's SystemExit fails the test in the child, which then returns into the runner. Under
    # plain pytest the child goes on to run every later test a second time. jackd's worker ends such a
    # child (exit 70, before it runs anything else); the parent, which only waits for it, passes.
    path, records, result = run_fault(project, run_jackd, tmp_path, "test_fork_fall_through.py")
    outcomes = check_all_accounted(result, 3 + 6)
    assert set(outcomes.values()) == {"passed"}, result.describe()
    assert result.rc == 0, result.describe()
    child = read_pid(records / "forked-child.pid")
    ran = pids_logged(records / "tests.log")
    assert not [node_id for node_id, pids in ran.items() if child in pids], f"the forked child ran tests: {ran}"
    one_worker_throughout(records, result)
    assert_gone([child], within=10, what="the forked child")

    plain_records = tmp_path / "plain-records"
    plain_records.mkdir()
    plain = run_pytest(path, "test_fork_fall_through.py", "test_bystanders.py", env={"E2E_PID_DIR": plain_records})
    plain_child = read_pid(plain_records / "forked-child.pid")
    plain_ran = pids_logged(plain_records / "tests.log")
    assert plain_child in plain_ran["test_fork_fall_through.py::test_after"], (
        "plain pytest's forked child no longer runs the later tests; the comparison above is moot\n" + plain.describe()
    )


def test_test_printing_50_mb(project, run_jackd, run_pytest, tmp_path):
    # Captured like any output: the passing test passes; the failing one fails and its 50 MB of captured
    # stdout is shown in full, as pytest shows it.
    path, records, result = run_fault(project, run_jackd, tmp_path, "test_big_output.py")
    outcomes = check_all_accounted(result, 4 + 6)
    plain = run_pytest(path, "test_big_output.py", "test_bystanders.py")
    assert outcomes == plain.outcome_map(), result.describe() + "\n" + plain.describe()
    assert outcomes["test_big_output.py::test_prints_50_mb_and_passes"] == "passed"
    assert outcomes["test_big_output.py::test_prints_50_mb_and_fails"] == "failed"
    assert result.rc == plain.rc == 1
    line = "y" * 1023 + "\n"
    expected = 50 * 1024
    assert plain.stdout.count(line) == expected, "plain pytest no longer shows the whole output"
    assert result.stdout.count(line) == expected, f"{result.stdout.count(line)} of {expected} lines shown"
    assert "x" * 1023 not in result.stdout, "the passing test's output was shown"
    assert "failed after printing 50 MB" in result.stdout, result.describe()
    one_worker_throughout(records, result)

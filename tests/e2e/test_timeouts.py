"""Hangs: a test past its timeout (--timeout, @pytest.mark.timeout) ends `timeout` with every thread's
stack, its worker's whole process group is killed and the run goes on on a fresh worker;
--session-timeout ends the whole run (running tests `timeout`, queued ones `not_run`, exit 2).

The hang project's hanging tests sleep 120 s, start a background thread and a child process (in the
worker's process group) first, and record pid, process group and child pid (E2E_HANG_DIR).
"""
import json

from fault_checks import assert_gone, assert_groups_empty, check_all_accounted, pids_logged, report_text

WALL_BOUND = 60  # seconds: the hanging test sleeps 120 s, these runs take 4 to 7
HANG = "test_hang.py::test_sleeps_forever"
MARKED = "test_marked.py::test_marked_sleeps_forever"
QUICK = [f"test_quick.py::test_quick[{n}]" for n in range(6)]


def hang_dir(tmp_path):
    directory = tmp_path / "hang-records"
    directory.mkdir()
    return directory


def hang_record(directory, node_id):
    path = directory / (node_id.split("::")[1] + ".json")
    assert path.exists(), f"{node_id} never started hanging"
    return json.loads(path.read_text())


def assert_hang_killed_with_its_group(directory, node_id):
    record = hang_record(directory, node_id)
    assert record["pgid"] == record["pid"], f"the worker does not lead its own process group: {record}"
    assert_gone([record["pid"], record["child"]], within=10, what="the hung worker or its child")
    assert_groups_empty([record["pgid"]], within=10)


def test_timeout_option_kills_the_hung_test_and_the_run_goes_on(project, run_jackd, tmp_path):
    records = hang_dir(tmp_path)
    result = run_jackd(
        project("hang"),
        "-n",
        "1",
        "--timeout",
        "2",
        "test_hang.py",
        "test_quick.py",
        env={"E2E_HANG_DIR": records},
        timeout=WALL_BOUND + 30,
    )
    outcomes = check_all_accounted(result, 3 + 6)
    assert outcomes == {
        "test_hang.py::test_before_hang": "passed",
        HANG: "timeout",
        "test_hang.py::test_after_hang": "passed",
        **dict.fromkeys(QUICK, "passed"),
    }, result.describe()
    assert result.rc == 1, result.describe()
    assert result.seconds < WALL_BOUND, result.describe()
    text = report_text(result, HANG)
    # The stack of every thread: the test's own frame and the background thread's.
    assert "in test_sleeps_forever" in text, f"no stack of the hung test:\n{text}"
    assert "in e2e_background_waiter" in text, f"not every thread's stack is shown:\n{text}"
    assert "2s" in text or "2.0s" in text or "2 s" in text, f"the report does not name the 2 s limit:\n{text}"
    assert "in test_sleeps_forever" in result.stdout, "the stacks are not in the terminal report"
    assert_hang_killed_with_its_group(records, HANG)
    # The rest ran on a fresh worker (one worker: everything after the hang came after the kill).
    ran = pids_logged(records / "tests.log")
    hung_pid = hang_record(records, HANG)["pid"]
    assert ran["test_hang.py::test_after_hang"][-1] != hung_pid, ran


def test_timeout_mark_applies_to_its_test_only(project, run_jackd, tmp_path):
    # The mark's 1 s wins over the run's generous --timeout; the neighbour in the same file is unaffected.
    records = hang_dir(tmp_path)
    result = run_jackd(
        project("hang"),
        "-n",
        "1",
        "--timeout",
        "90",
        "test_marked.py",
        "test_quick.py",
        env={"E2E_HANG_DIR": records},
        timeout=WALL_BOUND + 30,
    )
    outcomes = check_all_accounted(result, 2 + 6)
    assert outcomes == {
        MARKED: "timeout",
        "test_marked.py::test_after_marked": "passed",
        **dict.fromkeys(QUICK, "passed"),
    }, result.describe()
    assert result.rc == 1, result.describe()
    assert result.seconds < WALL_BOUND, result.describe()
    text = report_text(result, MARKED)
    assert "in test_marked_sleeps_forever" in text and "in e2e_background_waiter" in text, text
    assert_hang_killed_with_its_group(records, MARKED)


def test_session_timeout_ends_the_run(project, run_jackd, tmp_path):
    # One worker: test_before_hang passes, the hang is running when the session's 6 s run out, and the
    # rest is still queued.
    records = hang_dir(tmp_path)
    result = run_jackd(
        project("hang"),
        "-n",
        "1",
        "--session-timeout",
        "6",
        "test_hang.py",
        "test_quick.py",
        env={"E2E_HANG_DIR": records},
        timeout=WALL_BOUND + 30,
    )
    outcomes = check_all_accounted(result, 3 + 6)
    assert outcomes == {
        "test_hang.py::test_before_hang": "passed",
        HANG: "timeout",
        "test_hang.py::test_after_hang": "not_run",
        **dict.fromkeys(QUICK, "not_run"),
    }, result.describe()
    assert result.rc == 2, result.describe()
    assert result.seconds < WALL_BOUND, result.describe()
    assert "session timeout" in result.stdout.lower(), result.describe()
    for node_id in ["test_hang.py::test_after_hang", *QUICK]:
        assert "timeout" in report_text(result, node_id).lower(), f"{node_id}: not_run without the reason"
    assert_hang_killed_with_its_group(records, HANG)

"""Worker count resolution, the xdist-compatible worker environment, and process hygiene.

The pids project records, per test and per pytest process, pid, process group and the xdist variables.
"""
import json
import os

import pytest

from jackd_e2e import check_report_shape, final_line, is_alive, wait_until, without_timing

PIDS_TESTS = 4
USABLE_CPUS = len(os.sched_getaffinity(0))
LOGICAL_CPUS = os.cpu_count()


def expected_workers(cpus, tests):
    return max(1, min(cpus, tests))


@pytest.mark.parametrize(
    "args, env, expected",
    [
        (["-n", "1"], {}, 1),
        (["-n", "0"], {}, 1),
        (["-n", "2"], {}, 2),
        (["-n", "3", "test_pids_a.py"], {}, 2),  # never more workers than tests
        (["-n", "8"], {}, PIDS_TESTS),
        (["--numprocesses", "2"], {}, 2),
        (["--numprocesses=1"], {}, 1),
        (["-n", "auto"], {}, expected_workers(USABLE_CPUS, PIDS_TESTS)),
        (["-n", "logical"], {}, expected_workers(LOGICAL_CPUS, PIDS_TESTS)),
        (["-n", "-2"], {}, expected_workers(max(1, USABLE_CPUS // 2), PIDS_TESTS)),
        (["-n", "auto"], {"JACKD_WORKERS": "1"}, 1),
        (["-n", "auto"], {"PYTEST_XDIST_AUTO_NUM_WORKERS": "1"}, 1),
        (["-n", "auto"], {"JACKD_WORKERS": "3"}, 3),
        (["-n", "2"], {"JACKD_WORKERS": "1"}, 2),  # the variables change what auto means, nothing else
        ([], {}, expected_workers(USABLE_CPUS, PIDS_TESTS)),  # jackd run does what pytest -n auto does
    ],
    ids=lambda value: " ".join(value) if isinstance(value, list) else None,
)
def test_worker_count(project, run_jackd, tmp_path, args, env, expected):
    records = tmp_path / "records"
    records.mkdir()
    result = run_jackd(project("pids"), *args, env=dict(env, E2E_PID_DIR=records))
    check_report_shape(result)
    assert result.rc == 0, result.describe()
    assert result.report["workers"] == expected, result.describe()
    tests = [json.loads(p.read_text()) for p in records.glob("test-*.json")]
    # Every test saw the same worker count, and no more distinct workers ran tests than there are.
    assert {t["PYTEST_XDIST_WORKER_COUNT"] for t in tests} == {str(expected)}, tests
    assert len({t["PYTEST_XDIST_WORKER"] for t in tests}) <= expected


def run_recorded(project, run_jackd, tmp_path, *args):
    records = tmp_path / "records"
    records.mkdir()
    result = run_jackd(project("pids"), *args, env={"E2E_PID_DIR": records})
    check_report_shape(result)
    assert result.rc == 0, result.describe()
    tests = {}
    for path in records.glob("test-*.json"):
        record = json.loads(path.read_text())
        tests[record["node_id"]] = record
    processes = [json.loads(p.read_text()) for p in records.glob("process-*.json")]
    assert sorted(tests) == sorted(t["node_id"] for t in result.tests), result.describe()
    return result, tests, processes


def test_worker_environment_matches_the_report(project, run_jackd, tmp_path):
    result, tests, _ = run_recorded(project, run_jackd, tmp_path, "-n", "2")
    workers = result.report["workers"]
    assert workers == 2
    for test in result.tests:
        record = tests[test["node_id"]]
        assert record["PYTEST_XDIST_WORKER"] == test["worker"], (record, test)
        assert record["worker_id_fixture"] == test["worker"], (record, test)
        assert record["PYTEST_XDIST_WORKER_COUNT"] == str(workers), record
    uids = {record["PYTEST_XDIST_TESTRUNUID"] for record in tests.values()}
    assert len(uids) == 1 and None not in uids and "" not in uids, uids
    assert {record["testrun_uid_fixture"] for record in tests.values()} == uids
    # One process per worker id, and one worker id per process.
    pairs = {(record["PYTEST_XDIST_WORKER"], record["pid"]) for record in tests.values()}
    assert len({w for w, _ in pairs}) == len({p for _, p in pairs}) == len(pairs), pairs


def test_testrun_uid_differs_between_runs(project, run_jackd, tmp_path):
    uids = []
    for attempt in range(2):
        records = tmp_path / f"records-{attempt}"
        records.mkdir()
        result = run_jackd(project("pids"), "-n", "1", env={"E2E_PID_DIR": records})
        assert result.rc == 0, result.describe()
        uids.append({json.loads(p.read_text())["PYTEST_XDIST_TESTRUNUID"] for p in records.glob("test-*.json")})
    assert len(uids[0]) == len(uids[1]) == 1 and uids[0] != uids[1], uids


def test_each_worker_runs_in_its_own_process_group(project, start_jackd, tmp_path):
    records = tmp_path / "records"
    records.mkdir()
    run = start_jackd(project("pids"), "-n", "2", env={"E2E_PID_DIR": records})
    engine_pid = run.pid  # started with start_new_session, so the engine's group id is its pid
    result = run.wait()
    assert result.rc == 0, result.describe()
    tests = [json.loads(p.read_text()) for p in records.glob("test-*.json")]
    assert len(tests) == PIDS_TESTS
    for record in tests:
        assert record["pgid"] == record["pid"], f"worker {record['pid']} is not its group's leader: {record}"
        assert record["pgid"] != engine_pid, f"worker shares the engine's process group: {record}"
        assert record["pid"] != engine_pid


def test_no_process_of_the_run_survives_it(project, run_jackd, tmp_path):
    result, tests, processes = run_recorded(project, run_jackd, tmp_path, "-n", "2")
    pids = {record["pid"] for record in tests.values()} | {record["pid"] for record in processes}
    # Every worker loaded the project's conftest (and so, by the contract, did the collection process).
    assert {record["pid"] for record in tests.values()} <= {record["pid"] for record in processes}, processes
    wait_until(lambda: not [pid for pid in pids if is_alive(pid)], timeout=15)
    survivors = [pid for pid in pids if is_alive(pid)]
    assert not survivors, f"processes of the run still alive after it: {survivors}\n" + result.describe()


def test_collect_only_runs_no_test(project, run_jackd, run_pytest, tmp_path):
    records = tmp_path / "records"
    records.mkdir()
    path = project("pids")
    plain = run_pytest(path, "--collect-only")
    result = run_jackd(path, "--collect-only", env={"E2E_PID_DIR": records})
    assert result.rc == plain.rc == 0, result.describe()
    assert list(records.glob("test-*.json")) == [], "--collect-only ran tests\n" + result.describe()
    # pytest's collection tree, line for line, and its closing line.
    tree = [line.strip() for line in plain.stdout.splitlines() if line.strip().startswith("<")]
    assert sum(line.startswith("<Function ") for line in tree) == PIDS_TESTS, plain.describe()
    assert [line.strip() for line in result.stdout.splitlines() if line.strip().startswith("<")] == tree, (
        result.describe()
    )
    assert without_timing(final_line(result.stdout)) == without_timing(final_line(plain.stdout)), result.describe()


def test_quiet_collect_only_lists_node_ids_like_pytest(project, run_jackd, run_pytest):
    path = project("mixed")
    plain = run_pytest(path, "--collect-only", "-q")
    result = run_jackd(path, "--collect-only", "-q")
    assert result.rc == plain.rc == 0, result.describe()
    expected = [line for line in plain.stdout.splitlines() if "::" in line]
    assert len(expected) == len(plain.collected) > 0
    assert [line for line in result.stdout.splitlines() if "::" in line] == expected, result.describe()

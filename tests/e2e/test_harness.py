"""The fixture projects and outcome_map_plugin, checked against plain pytest (no jackd binary needed).

The other e2e tests compare jackd with plain pytest; these pin what plain pytest does on each fixture
project, so a fixture project that silently lost its point (an xpass that now fails, a conftest that no
longer breaks) fails here rather than making a comparison vacuous.
"""
import json
import os
import subprocess

from jackd_e2e import E2E_DIR, REPO, clean_env, final_line, without_timing

MIXED_EXPECTED = {
    "test_mixed.py::test_pass": "passed",
    "test_mixed.py::test_fail": "failed",
    "test_mixed.py::test_setup_error": "error",
    "test_mixed.py::test_teardown_error": "error",
    "test_mixed.py::test_skip_in_setup": "skipped",
    "test_mixed.py::test_skip": "skipped",
    "test_mixed.py::test_skipif": "skipped",
    "test_mixed.py::test_xfail": "xfailed",
    "test_mixed.py::test_xfail_imperative": "xfailed",
    "test_mixed.py::test_xpass": "xpassed",
    "test_mixed.py::test_xpass_strict": "failed",
    "test_mixed.py::TestGroup::test_one": "passed",
    "test_mixed.py::TestGroup::test_two": "passed",
    "test_mixed.py::TestGroup::test_fails_in_class": "failed",
    "test_mixed.py::TestOuter::TestInner::test_nested": "passed",
    "test_mixed.py::test_ids[a::b]": "passed",
    "test_mixed.py::test_ids[x[1]]": "passed",
    "test_mixed.py::test_ids[with space]": "passed",
    "test_mixed.py::test_ids[user@host]": "passed",
    "test_mixed.py::test_ids[na\\xefve-\\xfc]": "passed",
    "test_mixed.py::test_ids[plain]": "passed",
    "test_mixed.py::test_ids[neg::one]": "failed",
    "test_mixed.py::test_café": "passed",
    "test_mixed.py::test_slow": "passed",
    "test_unittest_style.py::UnittestCase::test_ut_pass": "passed",
    "test_unittest_style.py::UnittestCase::test_ut_fail": "failed",
    "test_unittest_style.py::UnittestCase::test_ut_skip": "skipped",
    "test_unittest_style.py::UnittestCase::test_ut_expected_failure": "xfailed",
}


def test_mixed_project_has_every_outcome_under_plain_pytest(project, run_pytest):
    result = run_pytest(project("mixed"))
    assert result.rc == 1, result.describe()
    assert result.outcome_map() == MIXED_EXPECTED
    # The module-level skip counts as one skipped collector, not as a test.
    assert without_timing(final_line(result.stdout)) == (
        "5 failed, 14 passed, 5 skipped, 3 xfailed, 1 xpassed, 2 errors"
    ), result.describe()


def test_outcome_map_follows_the_one_outcome_rules_for_teardown(project, run_pytest):
    # pytest itself counts test_teardown_error twice (a pass and an error); the map counts it once.
    result = run_pytest(project("mixed"), "test_mixed.py::test_teardown_error")
    assert "1 passed, 1 error" in final_line(result.stdout), result.describe()
    assert result.outcome_map() == {"test_mixed.py::test_teardown_error": "error"}


def test_fixture_counts_sets_each_scope_up_once_under_plain_pytest(project, run_pytest, tmp_path):
    log = tmp_path / "fixtures.log"
    result = run_pytest(project("fixture_counts"), env={"E2E_FIXTURE_LOG": log})
    assert result.rc == 0, result.describe()
    assert len(result.collected) == 5 * 8
    lines = log.read_text().splitlines()
    pids = {line.split()[0] for line in lines}
    assert len(pids) == 1, lines
    events = sorted(line.split(" ", 1)[1] for line in lines)
    modules = ["alpha", "beta", "gamma", "delta", "epsilon"]
    expected = ["setup session -", "teardown session -"]
    for m in modules:
        expected += [f"setup module test_{m}", f"teardown module test_{m}"]
        expected += [f"setup class test_{m}.TestWithClassFixture", f"teardown class test_{m}.TestWithClassFixture"]
    assert events == sorted(expected)


def test_collection_error_project_fails_collection_under_plain_pytest(project, run_pytest):
    result = run_pytest(project("collection_error"))
    assert result.rc == 2, result.describe()
    assert "SyntaxError" in result.stdout
    assert "No module named 'e2e_module_that_does_not_exist'" in result.stdout
    assert without_timing(final_line(result.stdout)) == "2 errors", result.describe()


def test_broken_conftest_project_is_a_usage_error_under_plain_pytest(project, run_pytest):
    result = run_pytest(project("broken_conftest"))
    assert result.rc == 4, result.describe()
    assert "e2e broken conftest marker" in result.output


def test_empty_project_collects_nothing_under_plain_pytest(project, run_pytest):
    result = run_pytest(project("empty"))
    assert result.rc == 5, result.describe()
    assert result.collected == []


def test_many_project_has_200_tests_in_10_files(project, run_pytest):
    result = run_pytest(project("many"))
    assert result.rc == 0, result.describe()
    assert len(result.collected) == 200
    assert len({nodeid.split("::")[0] for nodeid in result.collected}) == 10
    failing = "test_many_03.py::test_quick[7]"
    result = run_pytest(project("many"), env={"E2E_MANY_FAIL": failing})
    assert result.rc == 1
    assert [k for k, v in result.outcome_map().items() if v != "passed"] == [failing]


def test_pids_project_records_processes_and_tests(project, run_pytest, tmp_path):
    records = tmp_path / "records"
    records.mkdir()
    result = run_pytest(project("pids"), env={"E2E_PID_DIR": records})
    assert result.rc == 0, result.describe()
    tests = [json.loads(p.read_text()) for p in records.glob("test-*.json")]
    processes = [json.loads(p.read_text()) for p in records.glob("process-*.json")]
    assert sorted(t["node_id"] for t in tests) == sorted(result.collected) and len(tests) == 4
    assert len(processes) == 1 and {t["pid"] for t in tests} == {processes[0]["pid"]}
    # Plain pytest is no worker: no xdist variables; worker_id is missing, or "master" when pytest-xdist
    # is installed (it is in the dev venv).
    assert {t["PYTEST_XDIST_WORKER"] for t in tests} == {None}
    assert {t["worker_id_fixture"] for t in tests} <= {None, "master"}


def test_pids_project_can_die_in_workers_only(project, run_pytest):
    # Outside a worker the knob does nothing; inside one (PYTEST_XDIST_WORKER set) the process dies.
    assert run_pytest(project("pids"), env={"E2E_DIE_IN_WORKER": "exit"}).rc == 0
    dying = run_pytest(project("pids"), env={"E2E_DIE_IN_WORKER": "exit", "PYTEST_XDIST_WORKER": "gw0"})
    assert dying.rc == 17, dying.describe()
    raising = run_pytest(project("pids"), env={"E2E_DIE_IN_WORKER": "raise", "PYTEST_XDIST_WORKER": "gw0"})
    assert raising.rc == 4 and "refuses to load in a worker" in raising.output, raising.describe()


def test_fixture_projects_are_not_collected_by_the_repository_run(test_python):

    proc = subprocess.run(
        [test_python, "-m", "pytest", "--collect-only", "-q", str(E2E_DIR)],
        cwd=REPO,
        env=clean_env(),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    collected = [line for line in proc.stdout.splitlines() if "::" in line]
    assert collected, proc.stdout
    assert not [line for line in collected if "/projects/" in line], proc.stdout
    assert all(os.path.basename(line.split("::")[0]).startswith("test_") for line in collected)


def test_crash_project_really_kills_plain_pytest(project, run_pytest, tmp_path):
    assert run_pytest(project("crash")).rc == 0
    marks = tmp_path / "marks"
    marks.mkdir()
    result = run_pytest(project("crash"), "test_segfault.py", env={"E2E_CRASH": "1", "E2E_CRASH_DIR": marks})
    assert result.rc == -11, result.describe()
    assert 'test_segfault.py", line 6 in test_segfault' in result.stderr, result.describe()

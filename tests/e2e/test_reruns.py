"""Reruns, flaky tests, --count and --detect-flaky, end to end on the `flaky` fixture project.

The project's tests count their own attempts in files (attempts.py), so "fails on its first attempt" is
seeded, not random: each outcome below is exact.
"""
import xml.etree.ElementTree as ET

from jackd_e2e import check_report_shape, final_line, summary_counts

FIRST = "test_flaky.py::test_fails_on_first_attempt"
ALWAYS = "test_flaky.py::test_always_fails"
MARKED = "test_flaky.py::test_marked_fails_twice"
EVEN = "test_flaky.py::test_fails_on_even_attempts"
PASSES = "test_flaky.py::test_passes"


def by_id(result):
    return {t["node_id"]: t for t in result.tests}


def test_reruns_make_a_test_that_fails_once_flaky(project, run_jackd, tmp_path):
    junit = tmp_path / "junit.xml"
    result = run_jackd(project("flaky"), "-n", "2", "--reruns", "2", f"--junitxml={junit}")
    check_report_shape(result)
    assert result.rc == 1, result.describe()  # test_always_fails fails on every attempt
    tests = by_id(result)
    assert result.outcome_map() == {PASSES: "passed", FIRST: "flaky", ALWAYS: "failed", MARKED: "flaky",
                                    EVEN: "passed"}, result.describe()
    # Every attempt is kept: the flaky one failed once; the failing one ran 1 + 2 times; the marked test's
    # own reruns=3 wins over --reruns 2 (it needed 3 attempts).
    assert [a["outcome"] for a in tests[FIRST]["attempts"]] == ["failed"]
    assert [a["outcome"] for a in tests[ALWAYS]["attempts"]] == ["failed", "failed"]
    assert [a["outcome"] for a in tests[MARKED]["attempts"]] == ["failed", "failed"]
    assert "attempts" not in tests[PASSES]
    assert "attempt 3 fails too" in tests[ALWAYS]["reports"][0]["longrepr"]
    assert "seeded failure" in tests[FIRST]["attempts"][0]["reports"][0]["longrepr"]

    counts = summary_counts(final_line(result.stdout))
    assert counts == {"failed": 1, "passed": 2, "flaky": 2, "rerun": 5}, final_line(result.stdout)
    assert "flaky tests" in result.stdout
    assert f"FLAKY {FIRST} - passed on attempt 2 after 1 failure" in result.stdout, result.stdout
    assert "seeded failure" in result.stdout

    # JUnit, as Maven Surefire writes reruns: flakyFailure under a passing testcase, rerunFailure under a
    # failing one.
    cases = {case.get("name"): case for case in ET.parse(junit).getroot().iter("testcase")}
    flaky = cases["test_fails_on_first_attempt"]
    assert [c.tag for c in flaky if c.tag != "system-out"] == ["flakyFailure"]
    assert "seeded failure" in flaky.find("flakyFailure").get("message")
    assert flaky.find("flakyFailure/stackTrace").text
    failing = cases["test_always_fails"]
    assert [c.tag for c in failing if c.tag != "system-out"] == ["failure", "rerunFailure", "rerunFailure"]


def test_flaky_tests_pass_the_run_unless_fail_on_flaky(project, run_jackd):
    path = project("flaky")
    selection = ["-k", "first or passes"]
    tolerant = run_jackd(path, "-n", "2", "--reruns", "1", *selection)
    assert tolerant.rc == 0, tolerant.describe()
    assert tolerant.outcome_map() == {PASSES: "passed", FIRST: "flaky"}, tolerant.describe()
    strict = run_jackd(project("flaky"), "-n", "2", "--reruns", "1", "--fail-on-flaky", *selection)
    check_report_shape(strict)
    assert strict.rc == 1, strict.describe()
    assert strict.outcome_map() == {PASSES: "passed", FIRST: "flaky"}, strict.describe()


def test_without_reruns_a_failure_is_final(project, run_jackd):
    result = run_jackd(project("flaky"), "-n", "2", "-k", "first")
    assert result.rc == 1, result.describe()
    assert result.outcome_map() == {FIRST: "failed"}
    assert "attempts" not in result.tests[0]


def test_a_rerun_after_every_worker_finished_starts_a_worker(project, run_jackd):
    # One test, one worker: it is told there is nothing after this test before the test fails, so the
    # rerun (after a delay) needs a worker of its own.
    result = run_jackd(project("flaky"), "-n", "1", "--reruns", "1", "--reruns-delay", "0.5", "-k", "first")
    check_report_shape(result)
    assert result.rc == 0, result.describe()
    test = result.tests[0]
    assert test["outcome"] == "flaky", result.describe()
    assert test["attempts"][0]["worker"] == "gw0"
    assert test["worker"] == "gw1"


def test_count_runs_every_test_as_n_distinct_tests(project, run_jackd):
    result = run_jackd(project("flaky"), "-n", "2", "--count", "3", "-k", "passes or first")
    check_report_shape(result)
    outcomes = result.outcome_map()
    assert sorted(outcomes) == sorted(
        f"{base}[{i}-3]" for base in (PASSES, FIRST) for i in (1, 2, 3)
    ), sorted(outcomes)
    # The first copy of `first` to run fails.
    assert sorted(outcomes.values()) == ["failed"] + ["passed"] * 5, result.describe()
    assert summary_counts(final_line(result.stdout)) == {"failed": 1, "passed": 5, "deselected": 9}


def test_detect_flaky_reports_disagreeing_outcomes_with_a_tally(project, run_jackd):
    result = run_jackd(project("flaky"), "-n", "2", "--detect-flaky", "4", "-k", "not marked")
    check_report_shape(result)
    assert result.rc == 1, result.describe()  # a flaky test found fails the run, and so does ALWAYS
    tests = by_id(result)
    assert result.outcome_map() == {PASSES: "passed", FIRST: "flaky", ALWAYS: "failed", EVEN: "flaky"}
    for node_id, test in tests.items():
        assert len(test["attempts"]) == 3, (node_id, test)  # four runs each
    assert tests[EVEN]["reason"] == "outcomes differ over 4 runs: 2 failed, 2 passed", tests[EVEN]
    assert tests[FIRST]["reason"] == "outcomes differ over 4 runs: 1 failed, 3 passed", tests[FIRST]
    assert f"FLAKY {EVEN} - outcomes differ over 4 runs" in result.stdout
    assert summary_counts(final_line(result.stdout)) == {"failed": 1, "passed": 1, "flaky": 2, "deselected": 1}


def test_detect_flaky_passes_a_suite_that_always_passes(project, run_jackd):
    result = run_jackd(project("flaky"), "-n", "2", "--detect-flaky", "-k", "passes")
    assert result.rc == 0, result.describe()
    assert result.outcome_map() == {PASSES: "passed"}
    assert len(result.tests[0]["attempts"]) == 4  # --detect-flaky alone: five runs


def test_a_rerun_in_the_same_worker_process_gets_fresh_fixtures(project, run_jackd):
    # One worker with work still queued: the rerun runs in the process that ran the first attempt, so the
    # item runs twice in one pytest session (its fixture request must be fresh, its output not doubled).
    result = run_jackd(project("flaky"), "-n", "1", "--reruns", "1", "--count", "5", "-k", "first or passes")
    check_report_shape(result)
    assert result.rc == 0, result.describe()
    flaky = [t for t in result.tests if t["outcome"] == "flaky"]
    assert [t["node_id"] for t in flaky] == [f"{FIRST}[1-5]"], result.describe()
    assert flaky[0]["worker"] == flaky[0]["attempts"][0]["worker"] == "gw0"
    assert {t["outcome"] for t in result.tests} == {"passed", "flaky"}

"""pytest's --sw/--stepwise under jackd: the run stops at the first failure (--sw-skip: the second), exits
2 as pytest does, and the engine writes `.pytest_cache/v/cache/stepwise` so that the next --sw run
resumes there (engine/pytest_cache.h). Tests run in parallel and out of collection order, so the resume
point is the first test in collection order that did not pass: resuming never skips a test that did not
pass, which the workflow test below checks over three runs."""
import json

import pytest

from jackd_e2e import check_report_shape

BANNER = "Interrupted: Test failed, continuing from this test next run."
MIDDLE = "test_many_04.py::test_quick[7]"
LATE = "test_many_07.py::test_quick[3]"
SLEEP = "0.01"  # so that the stop leaves tests unrun on two workers


def stepwise_cache(root):
    """The stepwise entry as a dict; before pytest 8.4 pytest stores the node ID alone (or [], cleared)."""
    path = root / ".pytest_cache" / "v" / "cache" / "stepwise"
    if not path.exists():
        return None
    value = json.loads(path.read_text(encoding="utf-8"))
    return value if isinstance(value, (dict, list)) else {"last_failed": value}


def first_not_passed(result, passed_anyway=()):
    """The first test of the report (collection order) that did not pass."""
    for test in result.tests:
        if test["outcome"] not in ("passed", "skipped", "xfailed") and test["node_id"] not in passed_anyway:
            return test["node_id"]
    return None


def test_a_stepwise_workflow_never_skips_a_test_that_did_not_pass(project, run_jackd, test_pytest_version):
    root = project("many")
    passed = set()

    failing = run_jackd(root, "-n", "2", "--sw", env={"E2E_MANY_FAIL": MIDDLE, "E2E_MANY_SLEEP": SLEEP})
    check_report_shape(failing)
    assert failing.rc == 2, failing.describe()
    assert f" {BANNER} " in failing.stdout, failing.describe()
    outcomes = failing.outcome_map()
    ids = [test["node_id"] for test in failing.tests]
    assert len(ids) == 200 and outcomes[MIDDLE] == "failed", failing.describe()
    assert "not_run" in outcomes.values(), "the run did not stop at the failure\n" + failing.describe()
    passed |= {i for i, outcome in outcomes.items() if outcome == "passed"}
    resume = first_not_passed(failing)
    cache = stepwise_cache(root)
    assert cache is not None and cache["last_failed"] == resume, cache
    if test_pytest_version >= (8, 4):  # pytest 8.4 made the entry a dict with the test count
        assert cache["last_test_count"] == 200 and cache["last_cache_date_str"], cache

    # Still failing: the tests before the resume point (all passed) are deselected, as pytest does.
    skipped = ids.index(resume)
    again = run_jackd(root, "-n", "2", "--sw", env={"E2E_MANY_FAIL": MIDDLE, "E2E_MANY_SLEEP": SLEEP})
    check_report_shape(again)
    assert again.rc == 2, again.describe()
    assert again.report["deselected"] == skipped, again.describe()
    assert f"stepwise: skipping {skipped} already passed items" in again.stdout, again.describe()
    assert [t["node_id"] for t in again.tests] == ids[skipped:]
    assert again.outcome_map()[MIDDLE] == "failed", again.describe()
    passed |= {i for i, outcome in again.outcome_map().items() if outcome == "passed"}
    assert stepwise_cache(root)["last_failed"] == first_not_passed(again)

    # Fixed: the rest runs to the end, and the state is cleared.
    fixed = run_jackd(root, "-n", "2", "--sw")
    check_report_shape(fixed)
    assert fixed.rc == 0, fixed.describe()
    assert BANNER not in fixed.stdout
    passed |= {i for i, outcome in fixed.outcome_map().items() if outcome == "passed"}
    assert passed == set(ids), f"never passed: {sorted(set(ids) - passed)}"
    assert stepwise_cache(root)["last_failed"] is None


def test_stepwise_skip_lets_the_first_failure_pass_and_stops_at_the_second(project, run_jackd):
    root = project("many")
    result = run_jackd(root, "-n", "1", "--sw-skip", env={"E2E_MANY_FAIL": f"{MIDDLE},{LATE}"})
    check_report_shape(result)
    assert result.rc == 2, result.describe()
    assert f" {BANNER} " in result.stdout, result.describe()
    failures = sorted((t["stop"], t["node_id"]) for t in result.tests if t["outcome"] == "failed")
    assert [node_id for _, node_id in failures] in ([MIDDLE, LATE], [LATE, MIDDLE]), result.describe()
    # The failure reported first is let pass (pytest forgets it); the next run resumes at the other.
    skipped = failures[0][1]
    assert stepwise_cache(root)["last_failed"] == first_not_passed(result, passed_anyway={skipped})


@pytest.mark.parametrize("option", ["-x", "--maxfail=1"])
def test_maxfail_wins_over_stepwise_as_in_pytest(project, run_jackd, run_pytest, option):
    env = {"E2E_MANY_FAIL": MIDDLE}
    plain = run_pytest(project("many"), "--sw", option, env=env)
    result = run_jackd(project("many"), "-n", "2", "--sw", option, env=env)
    check_report_shape(result)
    assert result.rc == plain.rc == 1, result.describe() + "\n" + plain.describe()
    assert "stopping after 1 failures" in result.stdout and BANNER not in result.stdout, result.describe()


def test_a_run_without_stepwise_leaves_the_entry_as_pytest_does(project, run_jackd, test_pytest_version):
    # pytest 8.4 and later leave it alone; earlier releases clear it in every session without --sw.
    root = project("many")
    assert run_jackd(root, "-n", "2", "--sw", env={"E2E_MANY_FAIL": MIDDLE}).rc == 2
    before = stepwise_cache(root)
    assert before is not None and before["last_failed"], before  # something a stray write would change
    result = run_jackd(root, "-n", "2", "test_many_00.py")
    assert result.rc == 0, result.describe()
    assert stepwise_cache(root) == (before if test_pytest_version >= (8, 4) else [])


def test_a_run_without_the_stepwise_plugin_leaves_the_entry_alone(project, run_jackd):
    # -p no:stepwise: no plugin is there to clear it, in any release (this runs under pytest 7 in CI too).
    root = project("many")
    assert run_jackd(root, "-n", "2", "--sw", env={"E2E_MANY_FAIL": MIDDLE}).rc == 2
    before = stepwise_cache(root)
    assert before is not None and before["last_failed"], before
    result = run_jackd(root, "-n", "2", "-p", "no:stepwise", "test_many_00.py")
    assert result.rc == 0, result.describe()
    assert stepwise_cache(root) == before

"""pytest options with run-wide effects: -x / --maxfail stop the run early; everything is still reported."""
import pytest

from jackd_e2e import check_report_shape

FIRST = "test_many_00.py::test_quick[0]"
SECOND = "test_many_00.py::test_quick[1]"
SLEEP = "0.05"  # 200 tests x 0.05 s: a run that ignores -x takes 10 s, so stopping early is measurable


@pytest.mark.parametrize("args", [["-x"], ["--maxfail", "1"], ["--maxfail=1"]], ids=["x", "maxfail", "maxfail-eq"])
def test_stop_after_the_first_failure(project, run_jackd, run_pytest, args):
    path = project("many")
    env = {"E2E_MANY_FAIL": FIRST, "E2E_MANY_SLEEP": SLEEP}
    plain = run_pytest(path, *args, env=env)
    banner = [line.strip("! ") for line in plain.stdout.splitlines() if "stopping after" in line]
    assert len(banner) == 1, plain.describe()
    result = run_jackd(path, "-n", "1", *args, env=env)
    check_report_shape(result)
    assert result.rc == 1, result.describe()
    outcomes = result.outcome_map()
    assert len(outcomes) == 200, "every collected test is still reported once\n" + result.describe()
    assert outcomes[FIRST] == "failed"
    assert set(outcomes.values()) <= {"passed", "failed", "not_run"}, outcomes
    not_run = sum(1 for v in outcomes.values() if v == "not_run")
    assert not_run >= 100, f"only {not_run} of 199 tests were skipped after -x\n" + result.describe()
    # pytest's own banner, word for word ("stopping after 1 failures" in pytest 9).
    assert f" {banner[0]} " in result.stdout, f"no {banner[0]!r} banner\n" + result.describe()


def test_maxfail_above_the_failure_count_runs_everything(project, run_jackd):
    # One failure is below --maxfail=2: the run must go on to the end.
    result = run_jackd(
        project("many"),
        "-n",
        "1",
        "--maxfail=2",
        env={"E2E_MANY_FAIL": SECOND, "E2E_MANY_SLEEP": SLEEP},
    )
    check_report_shape(result)
    outcomes = result.outcome_map()
    assert outcomes[SECOND] == "failed"
    assert sum(1 for v in outcomes.values() if v == "passed") == 199, result.describe()
    assert result.rc == 1

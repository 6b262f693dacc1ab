"""pytest options with run-wide effects: -x / --maxfail stop the run early (everything is still reported);
options with which pytest answers alone (--fixtures, --markers, ...) get pytest's answer; --pdb and --trace
are refused. (--sw: test_stepwise.py.)"""
import shutil

import pytest

from jackd_e2e import assert_one_line_error, check_report_shape

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


# pytest's own answer, line for line, but for what differs between two runs (durations, the cache's
# contents) and jackd's marks, which `--markers` lists besides pytest's.
VOLATILE = ("plugins:", "cache/", "  ", "=")


@pytest.mark.parametrize("option", ["--version", "--markers", "--fixtures", "--fixtures-per-test", "--setup-plan",
                                    "--cache-show"])
def test_options_with_which_pytest_answers_alone_get_pytests_answer(project, run_jackd, run_pytest, option):
    root = project("fixture_counts")
    plain = run_pytest(root, option)
    # Before pytest 8.4 even `pytest --cache-show` writes the cache (an empty stepwise entry).
    shutil.rmtree(root / ".pytest_cache", ignore_errors=True)
    result = run_jackd(root, "-n", "2", option, json_report=False)
    assert result.rc == plain.rc == 0, result.describe() + "\n" + plain.describe()
    lines = set(result.output.splitlines())
    expected = [line for line in (plain.stdout + plain.stderr).splitlines() if line and not line.startswith(VOLATILE)]
    assert len(expected) >= 1 and [line for line in expected if line not in lines] == [], result.describe()
    assert "jackd:" not in result.output, result.describe()
    if option == "--markers":
        assert any(line.startswith("@pytest.mark.xdist_group") for line in lines), result.describe()


@pytest.mark.parametrize("how", ["option", "addopts"])
def test_the_debugger_is_refused_as_pytest_xdist_refuses_it(project, run_jackd, how):
    # A debugger prompt in a worker, which has no terminal, used to quit at once and crash the worker.
    args, env = (["--pdb"], None) if how == "option" else ([], {"PYTEST_ADDOPTS": "--trace"})
    result = run_jackd(project("many"), "-n", "2", *args, env={"E2E_MANY_FAIL": FIRST, **(env or {})})
    assert result.rc == 4, result.describe()
    assert_one_line_error(result, "--pdb and --trace need a test process attached to your terminal")

"""-x and --maxfail stop dispatch at once: running tests finish, the rest is `not_run`, every fixture that
was set up is torn down exactly once, exit 1, and the run takes a fraction of the full suite's time.

The fail_fast project: 200 tests in 5 modules, each sleeping E2E_SLEEP, logging every session, module
and function fixture set-up and teardown with its pid (E2E_FIXTURE_LOG); E2E_FAIL names the failing ones.
"""
from collections import Counter

import pytest

from fault_checks import check_all_accounted

TOTAL = 200
SLEEP = 0.1
# What the sleeping alone takes on 2 workers when nothing stops the run; a stopped run is far below it.
FULL_RUN_SECONDS = TOTAL * SLEEP / 2
FIRST, SECOND = "test_ff_0.py::test_quick[0]", "test_ff_0.py::test_quick[1]"
LAST = "test_ff_4.py::test_quick[39]"


def read_log(path):
    return [tuple(line.split(" ", 3)) for line in path.read_text().splitlines()] if path.exists() else []


def check_fixtures(log, outcomes):
    """Every fixture set up is torn down once, in the same process; exactly the tests that started have
    an outcome other than not_run, and they finished (passed or failed)."""
    setups = Counter((pid, scope, name) for pid, event, scope, name in log if event == "setup")
    teardowns = Counter((pid, scope, name) for pid, event, scope, name in log if event == "teardown")
    assert setups == teardowns, (
        f"set-ups without teardown: {setups - teardowns}; teardowns without set-up: {teardowns - setups}"
    )
    assert max(setups.values()) == 1, f"set up more than once in one process: {setups.most_common(3)}"
    started = {name for pid, scope, name in setups if scope == "function"}
    assert started, "no test ran at all"
    for node_id, outcome in outcomes.items():
        if node_id in started:
            assert outcome in ("passed", "failed"), f"{node_id} started but ended {outcome}"
        else:
            assert outcome == "not_run", f"{node_id} never started but ended {outcome}"
    return started


def run_fail_fast(project, run_jackd, tmp_path, failing, *args):
    log = tmp_path / "fixtures.log"
    env = {"E2E_FIXTURE_LOG": log, "E2E_SLEEP": SLEEP, "E2E_FAIL": ",".join(failing)}
    result = run_jackd(project("fail_fast"), "-n", "2", *args, env=env)
    outcomes = check_all_accounted(result, TOTAL)
    started = check_fixtures(read_log(log), outcomes)
    assert result.rc == 1, result.describe()
    assert result.seconds < FULL_RUN_SECONDS, (
        f"{result.seconds:.1f}s: not far below the {FULL_RUN_SECONDS:.0f}s of running everything\n" + result.describe()
    )
    # Dispatch stopped at once: most of the suite never started.
    assert len(started) <= 50, f"{len(started)} tests started after an early failure\n" + result.describe()
    return result, outcomes


def test_x_stops_after_the_first_failure(project, run_jackd, tmp_path):
    result, outcomes = run_fail_fast(project, run_jackd, tmp_path, [FIRST], "-x")
    assert [k for k, v in outcomes.items() if v == "failed"] == [FIRST], result.describe()
    assert "stopping after 1 failures" in result.stdout, result.describe()
    assert result.report["stop_reason"] == "stopping after 1 failures", result.report["stop_reason"]


def test_maxfail_stops_after_n_failures(project, run_jackd, tmp_path):
    # Two early failures reach --maxfail 2; the third failing test is last and never runs.
    result, outcomes = run_fail_fast(project, run_jackd, tmp_path, [FIRST, SECOND, LAST], "--maxfail", "2")
    assert sorted(k for k, v in outcomes.items() if v == "failed") == sorted([FIRST, SECOND]), result.describe()
    assert outcomes[LAST] == "not_run", result.describe()
    assert "stopping after 2 failures" in result.stdout, result.describe()


@pytest.mark.parametrize("args", [["-x"], ["--maxfail", "2"]], ids=["x", "maxfail-2"])
def test_fail_fast_project_under_plain_pytest(project, run_pytest, tmp_path, args):
    # The same stop, for comparison: pytest runs serially, so nothing after the stop has started.
    log = tmp_path / "fixtures.log"
    env = {"E2E_FIXTURE_LOG": log, "E2E_FAIL": ",".join([FIRST, SECOND, LAST])}
    plain = run_pytest(project("fail_fast"), *args, env=env)
    assert plain.rc == 1, plain.describe()
    started = check_fixtures(read_log(log), plain.outcome_map())
    assert len(started) == (1 if args == ["-x"] else 2), plain.describe()

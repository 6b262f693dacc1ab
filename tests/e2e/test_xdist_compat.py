"""Suites written for pytest-xdist keep working under jackd, with or without xdist installed.

- the worker environment (PYTEST_XDIST_WORKER, _WORKER_COUNT, _TESTRUNUID) and the `worker_id` and
  `testrun_uid` fixtures, also with `-p no:xdist` (then only jackd provides them);
- the `xdist_group` mark is registered (`--strict-markers`), also with `-p no:xdist`;
- xdist's documented recipe for a session fixture shared by all workers (tmp_path_factory's basetemp
  parent + worker_id + filelock) runs its expensive part exactly once per run;
- `addopts = -n 2` in a project's pytest.ini never makes a jackd worker start xdist workers of its own;
- xdist's command-line options: `-n`, `--maxprocesses`, `--max-worker-restart` work; those jackd cannot
  support (`--tx`, `--rsyncdir`, `--looponfail`/`-f`) are a one-line usage error naming the alternative.
"""
import re

import pytest

from jackd_e2e import assert_one_line_error, check_report_shape, read_events

PROJECT = "xdist_compat"
WORKERS = 2
TESTS = 10

_plain_cache: dict = {}


def plain_outcomes(project, run_pytest):
    if PROJECT not in _plain_cache:
        plain = run_pytest(project(PROJECT))
        assert plain.rc == 0, plain.describe()
        assert len(plain.collected) == TESTS, plain.describe()
        _plain_cache[PROJECT] = plain.outcome_map()
    return _plain_cache[PROJECT]


def run_recipe(project, run_jackd, run_pytest, tmp_path, temproot, *args, name="events"):
    """One jackd run of the project on two workers, every worker asking for the session data at once.
    Returns (result, test events, expensive events)."""
    expected = plain_outcomes(project, run_pytest)
    events = tmp_path / f"{name}.jsonl"
    # Its own temp root, so nothing of other runs on this machine (or of pytest's) is shared.
    temproot.mkdir(exist_ok=True)
    env = {"E2E_EVENTS": events, "E2E_BARRIER": WORKERS, "PYTEST_DEBUG_TEMPROOT": temproot}
    result = run_jackd(project(PROJECT), "-n", str(WORKERS), *args, env=env)
    check_report_shape(result)
    assert result.rc == 0, result.describe()
    assert result.outcome_map() == expected, result.describe()
    tests = read_events(events, "test")
    assert sorted(t["node_id"] for t in tests) == sorted(expected), result.describe()
    return result, tests, read_events(events, "expensive")


def assert_xdist_worker_values(result, tests):
    """What conftests written for xdist read: xdist's values, the same in env and fixtures."""
    worker_ids = {f"gw{i}" for i in range(result.report["workers"])}
    assert result.report["workers"] == WORKERS
    for test in tests:
        env = test["env"]
        assert env.get("PYTEST_XDIST_WORKER") in worker_ids, test
        assert test["worker_id"] == env["PYTEST_XDIST_WORKER"], test
        assert env.get("PYTEST_XDIST_WORKER_COUNT") == str(WORKERS), test
        assert test["testrun_uid"] == env.get("PYTEST_XDIST_TESTRUNUID"), test
    assert {t["worker_id"] for t in tests} == worker_ids, "not every worker ran tests: " + str(tests)
    # One id for the whole run, in every worker.
    uids = {t["testrun_uid"] for t in tests}
    assert len(uids) == 1 and re.fullmatch(r"[0-9a-f]{8,}", uids.pop() or ""), tests


# ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("xdist", ["installed", "disabled"])
def test_worker_fixtures_env_and_xdist_group_mark_work_with_strict_markers(
    project, run_jackd, run_pytest, tmp_path, xdist
):
    args = ["--strict-markers", "--dist", "loadgroup"]
    if xdist == "disabled":
        args = ["-p", "no:xdist", *args]
        # Without xdist nothing else registers xdist_group, so plain pytest refuses the project.
        plain = run_pytest(project(PROJECT), "-p", "no:xdist", "--strict-markers")
        assert plain.rc != 0 and "'xdist_group' not found in `markers`" in plain.output, plain.describe()
    result, tests, _ = run_recipe(project, run_jackd, run_pytest, tmp_path, tmp_path / "temproot", *args)
    assert_xdist_worker_values(result, tests)
    grouped = {t["worker_id"] for t in tests if "grouped" in t["node_id"]}
    assert len(grouped) == 1, tests


def test_worker_fixtures_raise_no_warnings(project, run_jackd, run_pytest, tmp_path):
    # Many suites turn warnings into errors (`-W error`, `filterwarnings = error`). xdist's worker_id and
    # testrun_uid fixtures warn about nothing, under plain pytest and under pytest-xdist alike; jackd's
    # versions of them must not either, or every test that asks for them errors.
    plain = run_pytest(project(PROJECT), "-W", "error")
    assert plain.rc == 0 and set(plain.outcome_map().values()) == {"passed"}, plain.describe()
    temproot = tmp_path / "temproot"
    temproot.mkdir()
    result = run_jackd(project(PROJECT), "-n", str(WORKERS), "-W", "error", env={"PYTEST_DEBUG_TEMPROOT": temproot})
    check_report_shape(result)
    assert result.outcome_map() == plain.outcome_map(), result.describe()
    assert result.rc == 0, result.describe()


def test_session_fixture_recipe_runs_the_expensive_part_once_per_run(project, run_jackd, run_pytest, tmp_path):
    # Two runs in a row with the same temp root, as on a developer's machine: each run computes the data
    # once and shares it with all its workers; the second never gets the first run's data.
    temproot = tmp_path / "temproot"
    runs = []
    for attempt in range(2):
        result, tests, expensive = run_recipe(
            project, run_jackd, run_pytest, tmp_path, temproot, name=f"events-{attempt}"
        )
        uid = tests[0]["testrun_uid"]
        shared = {t["shared_dir"] for t in tests}
        assert len(shared) == 1, f"the workers' basetemps have different parents: {shared}"
        assert {t["worker_id"] for t in tests} == {f"gw{i}" for i in range(WORKERS)}, tests
        assert len(expensive) == 1, (
            f"run {attempt + 1}: the expensive part ran {len(expensive)} times (expected once; the "
            f"directory the recipe shares is {shared.pop()}, basetemp's parent)\n" + result.describe()
        )
        assert expensive[0]["testrun_uid"] == uid, (expensive, uid)
        tokens = {t["token"] for t in tests}
        assert len(tokens) == 1, f"workers got different session data: {tokens}"
        runs.append((uid, shared.pop(), tokens.pop()))
    (uid1, dir1, token1), (uid2, dir2, token2) = runs
    assert uid1 != uid2
    assert dir1 != dir2, f"both runs share {dir1}: data of one run leaks into the next"
    assert token1 != token2


def test_the_recipe_checks_hold_under_pytest_xdist(project, run_pytest, tmp_path):
    # The reference: plain pytest-xdist passes the checks above on the same project.
    temproot = tmp_path / "temproot"
    temproot.mkdir()
    seen = []
    for attempt in range(2):
        events = tmp_path / f"xdist-{attempt}.jsonl"
        env = {"E2E_EVENTS": events, "E2E_BARRIER": WORKERS, "PYTEST_DEBUG_TEMPROOT": temproot}
        plain = run_pytest(project(PROJECT), "-n", str(WORKERS), env=env)
        assert plain.rc == 0, plain.describe()
        tests = read_events(events, "test")
        assert len(tests) == TESTS and {t["worker_id"] for t in tests} == {"gw0", "gw1"}, tests
        assert len(read_events(events, "expensive")) == 1
        assert len({t["token"] for t in tests}) == 1 and len({t["shared_dir"] for t in tests}) == 1
        seen.append((tests[0]["token"], tests[0]["shared_dir"]))
    assert seen[0][0] != seen[1][0] and seen[0][1] != seen[1][1], seen


def test_addopts_numprocesses_does_not_start_xdist_workers(project, start_jackd, run_pytest, tmp_path):
    path = project("xdist_addopts")
    # Under plain pytest the project's addopts do start xdist workers.
    plain_events = tmp_path / "plain.jsonl"
    plain = run_pytest(path, env={"E2E_EVENTS": plain_events})
    assert plain.rc == 0, plain.describe()
    plain_tests = read_events(plain_events, "test")
    assert len(plain_tests) == 6 and all(t["worker"] for t in plain_tests), plain_tests

    events = tmp_path / "events.jsonl"
    run = start_jackd(path, "-n", str(WORKERS), env={"E2E_EVENTS": events})
    engine_pid = run.pid
    result = run.wait()
    check_report_shape(result)
    assert result.rc == 0, result.describe()
    assert result.outcome_map() == {t["node_id"]: "passed" for t in plain_tests}, result.describe()
    tests = read_events(events, "test")
    assert sorted(t["node_id"] for t in tests) == sorted(result.outcome_map()), result.describe()
    # Each test ran in a jackd worker (a child of the engine), not in an xdist worker started by one.
    for test in tests:
        assert test["ppid"] == engine_pid, f"{test} did not run in a worker of engine {engine_pid}"
    assert result.report["workers"] == WORKERS, result.describe()
    assert len({t["pid"] for t in tests}) <= WORKERS, tests
    reported = {t["node_id"]: t["worker"] for t in result.tests}
    assert all(reported[t["node_id"]] == t["worker"] for t in tests), (reported, tests)


@pytest.mark.parametrize(
    "args, workers",
    [
        pytest.param(args, workers, id=" ".join(args))
        for args, workers in [
            (["-n", "2", "--maxprocesses", "1"], 1),
            (["--maxprocesses", "3", "-n", "2"], 2),
            (["-n", "2", "--max-worker-restart", "0"], 2),
            (["-n", "0"], 1),
        ]
    ],
)
def test_xdist_worker_options(project, run_jackd, run_pytest, tmp_path, args, workers):
    expected = plain_outcomes(project, run_pytest)
    events = tmp_path / "events.jsonl"
    result = run_jackd(project(PROJECT), *args, env={"E2E_EVENTS": events})
    check_report_shape(result)
    assert result.rc == 0, result.describe()
    assert result.outcome_map() == expected, result.describe()
    assert result.report["workers"] == workers, result.describe()
    tests = read_events(events, "test")
    assert {t["env"]["PYTEST_XDIST_WORKER_COUNT"] for t in tests} == {str(workers)}
    assert {t["worker_id"] for t in tests} <= {f"gw{i}" for i in range(workers)}


# The alternative each error must name: what to use instead under jackd.
@pytest.mark.parametrize(
    "args, option, alternative",
    [
        pytest.param(args, option, alternative, id=" ".join(args))
        for args, option, alternative in [
            (["--tx", "popen"], "--tx", "-n"),
            (["--tx=popen//python=python3"], "--tx", "-n"),
            (["test_recipe.py", "--tx", "2*popen"], "--tx", "-n"),
            (["--rsyncdir", "."], "--rsyncdir", None),
            (["--looponfail"], "--looponfail", "--lf"),
            (["-f"], "-f", "--lf"),
        ]
    ],
)
def test_unsupported_xdist_option_is_a_usage_error(project, run_jackd, tmp_path, args, option, alternative):
    # Without a clear error, --tx and --rsyncdir would be dropped silently and -f would take the whole
    # run over (or be rejected by a worker with a confusing message).
    events = tmp_path / "events.jsonl"
    result = run_jackd(project(PROJECT), "-n", str(WORKERS), *args, env={"E2E_EVENTS": events})
    assert result.rc == 4, result.describe()
    line = assert_one_line_error(result, option, "pytest-xdist")
    hint = line[line.index("(") :]
    if alternative:
        assert re.search(rf"(^|[\s'(]){re.escape(alternative)}\b", hint), (
            f"the hint does not name {alternative!r}: {line!r}"
        )
    assert read_events(events) == [], "tests ran although the command line was rejected"
    assert result.stdout.strip() == "", result.describe()

"""pytest's cache after a jackd run: the last-failed list (`--lf`, `--ff`) and the node IDs seen so far
(`--nf`) hold what a serial pytest run of the same suite leaves there, although every worker saw only its
share of the run. The engine writes both (engine/pytest_cache.h); the workers' own writers are off."""
import json

CACHE = (".pytest_cache", "v", "cache")


def cache_value(root, key):
    path = root.joinpath(*CACHE, key)
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None


def test_a_split_run_leaves_the_cache_a_serial_pytest_run_leaves(project, run_jackd, run_pytest):
    # 200 tests in ten files, collected in two shares; one fails.
    failing = "test_many_03.py::test_quick[7]"
    env = {"E2E_MANY_FAIL": failing}
    by_jackd, by_pytest = project("many"), project("many")
    result = run_jackd(by_jackd, "-n", "2", env=env)
    assert result.rc == 1, result.describe()
    run_pytest(by_pytest, env=env)

    node_ids = cache_value(by_jackd, "nodeids")
    assert node_ids is not None and len(node_ids) == 200, node_ids
    assert node_ids == cache_value(by_pytest, "nodeids")
    assert cache_value(by_jackd, "lastfailed") == cache_value(by_pytest, "lastfailed") == {failing: True}


def test_node_ids_accumulate_over_runs_as_pytest_keeps_them(project, run_jackd):
    root = project("many")
    first = run_jackd(root, "-n", "2", "test_many_00.py")
    assert first.rc == 0, first.describe()
    assert len(cache_value(root, "nodeids")) == 20
    # A run of other files adds theirs; the first run's stay, for --nf to tell new tests from old.
    second = run_jackd(root, "-n", "2", "test_many_01.py", "test_many_02.py")
    assert second.rc == 0, second.describe()
    node_ids = cache_value(root, "nodeids")
    assert len(node_ids) == 60 and node_ids == sorted(node_ids), node_ids
    assert {node_id.split("::")[0] for node_id in node_ids} == {f"test_many_0{i}.py" for i in range(3)}


def test_collection_errors_are_last_failed_as_pytest_records_them(project, run_jackd, run_pytest):
    by_jackd, by_pytest = project("collection_error"), project("collection_error")
    result = run_jackd(by_jackd, "-n", "2")
    assert result.rc == 2, result.describe()
    run_pytest(by_pytest)
    last_failed = cache_value(by_jackd, "lastfailed")
    assert last_failed and last_failed == cache_value(by_pytest, "lastfailed"), last_failed
    assert cache_value(by_jackd, "nodeids") == cache_value(by_pytest, "nodeids")

"""Before its first test a worker freezes what collection left (gc.freeze), so that full garbage
collections during the tests do not walk every test module, item and fixture definition again
(worker_plugin.freeze_collected_objects); JACKD_GC_FREEZE=0 leaves the collector as pytest does.

Each test module below holds a list made at import: frozen, it is in none of the collector's generations.
"""
import pytest

MODULE = '''
import gc

MADE_AT_IMPORT = [object()]


def test_collection_is_frozen():
    assert all(o is not MADE_AT_IMPORT for o in gc.get_objects()), "still in the collector's generations"
'''


@pytest.fixture
def suite(tmp_path):
    root = tmp_path / "gc_suite"
    root.mkdir()
    (root / "pytest.ini").write_text("[pytest]\naddopts = -p no:cacheprovider\n")
    for i in range(4):
        (root / f"test_g{i}.py").write_text(MODULE)
    return root


@pytest.mark.parametrize("start", ["fork", "exec"])
def test_workers_freeze_what_collection_left(suite, run_jackd, start):
    result = run_jackd(suite, "-n", "2", "--worker-start", start)
    assert result.rc == 0 and set(result.outcome_map().values()) == {"passed"}, result.describe()


def test_jackd_gc_freeze_0_leaves_the_collector_alone(suite, run_jackd):
    result = run_jackd(suite, "-n", "2", env={"JACKD_GC_FREEZE": "0"})
    assert set(result.outcome_map().values()) == {"failed"}, result.describe()

"""CI sharding: `jackd run --shard I/N` (and Bazel's variables) runs a deterministic share of the suite,
the shards together run every test exactly once, and `jackd merge` puts their reports back together and
refuses reports that do not add up to one run."""
import json
import subprocess
import xml.etree.ElementTree as ET

import pytest

from jackd_e2e import assert_one_line_error, check_report_shape, clean_env, final_line, summary_counts

SHARDS = 3
EXIT_USAGE = 4
EXIT_SHARDS_INCOMPLETE = 102


@pytest.fixture
def shards_project(project):
    return project("shards")


def run_shards(run_jackd, project, *args, total=SHARDS, junit=True, env=None):
    """Every shard of a run, one after the other on the same checkout, as N CI jobs would."""
    results = []
    for index in range(1, total + 1):
        extra = [f"--junitxml=junit-{index}.xml"] if junit else []
        result = run_jackd(project, "-n", "2", "--shard", f"{index}/{total}", *args, *extra, env=env)
        check_report_shape(result)
        results.append(result)
    return results


def write_report(result, path):
    path.write_text(json.dumps(result.report))
    return path


def merge(jackd_bin, cwd, *args):
    return subprocess.run(
        [jackd_bin, "merge", *map(str, args)], cwd=cwd, env=clean_env(), capture_output=True, text=True, timeout=60
    )


def merge_error(proc):
    lines = [line for line in proc.stderr.splitlines() if line.startswith("jackd: error:")]
    assert len(lines) == 1, f"expected one error line, got {proc.stderr!r} (stdout {proc.stdout!r})"
    return lines[0]


def test_shards_run_every_test_exactly_once_with_the_unsharded_outcomes(shards_project, run_jackd):
    shards = run_shards(run_jackd, shards_project, junit=False)
    # Shards only read the durations store (every shard must plan from the same durations).
    assert not (shards_project / ".jackd").exists(), "a shard wrote the durations store"
    full = run_jackd(shards_project, "-n", "2")
    check_report_shape(full)
    expected = full.outcome_map()
    assert len(expected) == 41, full.describe()
    seen = {}
    for index, shard in enumerate(shards, start=1):
        info = shard.report["shard"]
        assert info["index"] == index and info["total"] == SHARDS and info["mode"] == "duration", info
        assert info["collected_total"] == 41
        assert info["collection_digest"] == shards[0].report["shard"]["collection_digest"]
        own = shard.outcome_map()
        assert own, f"shard {index} ran nothing\n" + shard.describe()
        assert info["deselected"] == 41 - len(own)
        assert shard.report["deselected"] == 41 - len(own)
        for node_id in own:
            assert node_id not in seen, f"{node_id} ran in shards {seen[node_id]} and {index}"
            seen[node_id] = index
        # The terminal says what the shard left out, as pytest words deselection.
        assert summary_counts(final_line(shard.stdout)).get("deselected") == 41 - len(own), shard.describe()
        assert f"shard {index}/{SHARDS} (duration)" in shard.stdout, shard.describe()
        # The failing test's shard fails; the others pass.
        assert shard.rc == (1 if "test_alpha.py::test_fails" in own else 0), shard.describe()
    merged = {node_id: outcome for shard in shards for node_id, outcome in shard.outcome_map().items()}
    assert merged == expected
    # Without a durations store the shards are balanced by test count.
    sizes = sorted(len(shard.tests) for shard in shards)
    assert sizes[-1] - sizes[0] <= 1, sizes


def test_shards_are_deterministic_and_keep_files_together_under_loadfile(shards_project, run_jackd):
    first = run_shards(run_jackd, shards_project, "--dist", "loadfile", junit=False)
    again = run_shards(run_jackd, shards_project, "--dist", "loadfile", junit=False)
    for a, b in zip(first, again):
        assert sorted(a.outcome_map()) == sorted(b.outcome_map())
    files = {}
    for index, shard in enumerate(first):
        for test in shard.tests:
            files.setdefault(test["file"], set()).add(index)
    assert len(files) == 5
    assert all(len(shards) == 1 for shards in files.values()), files


def test_hash_mode_keeps_tests_in_their_shard_when_a_file_is_added(shards_project, run_jackd):
    before = run_shards(run_jackd, shards_project, "--shard-mode", "hash", junit=False)
    shard_of = {t["node_id"]: i for i, shard in enumerate(before) for t in shard.tests}
    assert len(shard_of) == 41
    assert all(shard.report["shard"]["mode"] == "hash" for shard in before)
    (shards_project / "test_zeta.py").write_text(
        "import pytest\n\n\n@pytest.mark.parametrize('n', range(12))\ndef test_zeta(n):\n    assert n >= 0\n"
    )
    after = run_shards(run_jackd, shards_project, "--shard-mode", "hash", junit=False)
    new_shard_of = {t["node_id"]: i for i, shard in enumerate(after) for t in shard.tests}
    assert len(new_shard_of) == 53
    moved = {node_id for node_id, shard in shard_of.items() if new_shard_of[node_id] != shard}
    assert not moved, f"tests changed shard when a file was added: {sorted(moved)}"


def test_bazel_variables_select_the_shard_and_the_status_file_is_touched(shards_project, run_jackd, tmp_path):
    by_option = run_jackd(shards_project, "-n", "2", "--shard", "2/3")
    status_file = tmp_path / "shard-status"
    bazel_env = {"TEST_TOTAL_SHARDS": "3", "TEST_SHARD_INDEX": "1", "TEST_SHARD_STATUS_FILE": status_file}
    by_bazel = run_jackd(shards_project, "-n", "2", env=bazel_env)
    check_report_shape(by_bazel)
    assert by_bazel.report["shard"]["index"] == 2 and by_bazel.report["shard"]["total"] == 3
    assert sorted(by_bazel.outcome_map()) == sorted(by_option.outcome_map())
    assert status_file.exists(), "TEST_SHARD_STATUS_FILE was not touched\n" + by_bazel.describe()

    # The command line wins over the environment.
    both = run_jackd(shards_project, "-n", "2", "--shard", "3/3", "--log-level", "debug", env=bazel_env)
    assert both.report["shard"]["index"] == 3, both.describe()
    assert "wins over Bazel" in both.stderr, both.describe()

    broken = run_jackd(shards_project, env={"TEST_TOTAL_SHARDS": "3", "TEST_SHARD_INDEX": "3"})
    assert broken.rc == EXIT_USAGE, broken.describe()
    assert_one_line_error(broken, "TEST_SHARD_INDEX")


def test_merge_gives_the_unsharded_run(shards_project, run_jackd, jackd_bin, tmp_path):
    full = run_jackd(shards_project, "-n", "2", "--junitxml=junit-full.xml")
    (shards_project / ".jackd").rename(tmp_path / "full-store")  # shards plan without durations
    shards = run_shards(run_jackd, shards_project)
    assert not (shards_project / ".jackd").exists(), "a shard wrote the durations store"
    reports = [write_report(shard, tmp_path / f"shard-{i}.json") for i, shard in enumerate(shards, start=1)]
    junits = [shards_project / f"junit-{i}.xml" for i in range(1, SHARDS + 1)]
    store = tmp_path / "merged-store"
    proc = merge(
        jackd_bin, tmp_path, "-o", tmp_path / "merged.json", "--junitxml", tmp_path / "merged.xml",
        "--durations-store", store, *reversed(reports), *junits,
    )
    assert proc.returncode == full.rc == 1, proc.stderr
    merged = json.loads((tmp_path / "merged.json").read_text())
    assert merged["exit_code"] == 1
    assert {t["node_id"]: t["outcome"] for t in merged["tests"]} == full.outcome_map()
    assert len(merged["tests"]) == len(full.tests)
    assert merged["summary"] == full.report["summary"]
    assert merged["deselected"] == 0 and merged["shard"] is None
    assert merged["merged_shards"]["total"] == SHARDS
    assert merged["merged_shards"]["collection_digest"] == shards[0].report["shard"]["collection_digest"]

    def junit_counts(path):
        suite = ET.parse(path).getroot().find("testsuite")
        names = sorted((c.get("classname"), c.get("name")) for c in suite.findall("testcase"))
        return {key: suite.get(key) for key in ("tests", "errors", "failures", "skipped")}, names

    assert junit_counts(tmp_path / "merged.xml") == junit_counts(shards_project / "junit-full.xml")

    # The merged durations are in the store, as an unsharded run records them: `jackd durations` reads it.
    assert (store / "durations.sqlite3").exists()
    (tmp_path / "project-root").mkdir()
    store.rename(tmp_path / "project-root" / ".jackd")
    listing = subprocess.run(
        [jackd_bin, "durations", "--rootdir", str(tmp_path / "project-root"), "--top", "100"],
        capture_output=True, text=True, env=clean_env(),
    )
    assert listing.returncode == 0, listing.stderr
    assert "test_alpha.py::test_fails" in listing.stdout, listing.stdout


def test_merge_refuses_shards_that_do_not_add_up(shards_project, run_jackd, jackd_bin, tmp_path):
    shards = run_shards(run_jackd, shards_project, junit=False)
    reports = [write_report(shard, tmp_path / f"shard-{i}.json") for i, shard in enumerate(shards, start=1)]
    out = tmp_path / "merged.json"

    missing = merge(jackd_bin, tmp_path, "-o", out, reports[0], reports[2])
    assert missing.returncode == EXIT_SHARDS_INCOMPLETE, missing.stderr
    assert "shard 2/3 is missing" in merge_error(missing)

    twice = merge(jackd_bin, tmp_path, "-o", out, reports[0], reports[1], reports[1], reports[2])
    assert twice.returncode == EXIT_SHARDS_INCOMPLETE, twice.stderr
    assert "shard 2/3 is given twice" in merge_error(twice)

    # A shard that ran a test another shard ran too (say, planned from other durations).
    stolen = json.loads(reports[1].read_text())
    stolen["tests"].append(json.loads(reports[0].read_text())["tests"][0])
    (tmp_path / "stolen.json").write_text(json.dumps(stolen))
    duplicated = merge(jackd_bin, tmp_path, "-o", out, reports[0], tmp_path / "stolen.json", reports[2])
    assert duplicated.returncode == EXIT_SHARDS_INCOMPLETE, duplicated.stderr
    assert "ran in shards 1 and 2" in merge_error(duplicated)

    # A shard that lost a test.
    short = json.loads(reports[2].read_text())
    short["tests"].pop()
    (tmp_path / "short.json").write_text(json.dumps(short))
    lost = merge(jackd_bin, tmp_path, "-o", out, reports[0], reports[1], tmp_path / "short.json")
    assert lost.returncode == EXIT_SHARDS_INCOMPLETE, lost.stderr
    assert "1 of the 41 collected tests are in no shard's report" in merge_error(lost)

    # Shards of another collection.
    other = json.loads(reports[2].read_text())
    other["shard"]["collection_digest"] = "0" * 64
    (tmp_path / "other.json").write_text(json.dumps(other))
    foreign = merge(jackd_bin, tmp_path, "-o", out, reports[0], reports[1], tmp_path / "other.json")
    assert foreign.returncode == EXIT_SHARDS_INCOMPLETE, foreign.stderr
    assert "collected different tests" in merge_error(foreign)

    # An unsharded report, or not a report at all: usage errors.
    (tmp_path / "junk.json").write_text("{not json")
    junk = merge(jackd_bin, tmp_path, "-o", out, tmp_path / "junk.json")
    assert junk.returncode == EXIT_USAGE and "not a jackd JSON report" in merge_error(junk)
    assert not out.exists(), "a refused merge wrote a report"


@pytest.mark.parametrize("value", ["0/3", "4/3", "x", "1/0", "2"])
def test_bad_shard_values_are_usage_errors(shards_project, run_jackd, value):
    result = run_jackd(shards_project, "--shard", value, json_report=False)
    assert result.rc == EXIT_USAGE, result.describe()
    assert_one_line_error(result, "--shard", value)


def test_more_shards_than_tests_leave_empty_shards_that_pass(shards_project, run_jackd):
    (shards_project / "test_alpha.py").unlink()
    # 8 tests of one file over 40 shards: without durations, one test each to shards 1 to 8.
    first, last = (run_jackd(shards_project, "-n", "1", "--shard", f"{i}/40", "-k", "epsilon") for i in (1, 40))
    assert len(first.tests) == 1 and first.rc == 0, first.describe()
    assert last.tests == [] and last.rc == 0, last.describe()
    assert last.report["shard"]["deselected"] == 8


def test_merge_combines_the_shards_coverage(project, run_jackd, jackd_bin, test_python, tmp_path):
    def line_sets(path):
        files = json.loads(path.read_text())["files"]
        return {name: (data["executed_lines"], data["missing_lines"]) for name, data in files.items()}

    whole = project("coverage_pkg")
    full = run_jackd(whole, "-n", "2", "--cov=pkg", "--cov-report=json:full.json")
    assert full.rc == 0, full.describe()

    sharded = project("coverage_pkg")
    reports, data_files = [], []
    for index in range(1, SHARDS + 1):
        shard = run_jackd(sharded, "-n", "1", "--shard", f"{index}/{SHARDS}", "--cov=pkg", "--cov-report=")
        assert shard.rc == 0, shard.describe()
        reports.append(write_report(shard, tmp_path / f"shard-{index}.json"))
        data_files.append(tmp_path / f"shard-{index}.coverage")
        (sharded / ".coverage").rename(data_files[-1])
    proc = merge(
        jackd_bin, sharded, "-o", tmp_path / "merged.json", "--cov-combine", sharded / ".coverage",
        "--python", test_python, *reports, *data_files,
    )
    assert proc.returncode == 0, proc.stderr
    assert all(path.exists() for path in data_files), "merge removed a shard's data file"
    report = subprocess.run(
        [test_python, "-m", "coverage", "json", "-o", "merged-cov.json"], cwd=sharded, capture_output=True, text=True
    )
    assert report.returncode == 0, report.stdout + report.stderr
    merged = line_sets(sharded / "merged-cov.json")
    assert merged == line_sets(whole / "full.json")
    assert any(missing for _, missing in merged.values()), merged

    # Data files without --cov-combine, or too few of them, are refused.
    no_target = merge(jackd_bin, sharded, "-o", tmp_path / "m.json", *reports, *data_files)
    assert no_target.returncode == EXIT_USAGE and "--cov-combine" in merge_error(no_target)
    too_few = merge(jackd_bin, sharded, "-o", tmp_path / "m.json", "--cov-combine", tmp_path / "c", *reports,
                    *data_files[:2])
    assert too_few.returncode == EXIT_SHARDS_INCOMPLETE and "2 coverage data files for 3" in merge_error(too_few)

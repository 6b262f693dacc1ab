"""Coverage under jackd (--cov and friends): each worker measures into its own data file, the engine
combines them with coverage.py's own API, and the result is what a serial `pytest --cov` measures.

The coverage_pkg project has a small package (pkg/) with branches, covered piecewise by tests in several
files, and a test that SIGKILLs its worker on demand (E2E_COVERAGE_CRASH=1, see its conftest.py).
"""
import json
import re
import subprocess

import pytest

from fault_checks import check_all_accounted, pids_logged
from jackd_e2e import assert_no_engine_noise, assert_one_line_error, final_line

TOTAL = 14
PYTEST_COV_NOTE = "pytest-cov is disabled inside jackd's processes"


def line_sets(report_path, branch=False):
    """{file: {key: sorted lines}} from coverage.py's JSON report: what was measured, per file."""
    keys = ["executed_lines", "missing_lines"]
    if branch:
        keys += ["executed_branches", "missing_branches"]
    files = json.loads(report_path.read_text())["files"]
    return {name: {key: data[key] for key in keys} for name, data in files.items()}


def functions_covered(report_path, path):
    """{function name: True when every line of its body ran} for one file of the JSON report."""
    functions = json.loads(report_path.read_text())["files"][path]["functions"]
    return {name: not info["missing_lines"] for name, info in functions.items() if name}


def coverage_section(stdout):
    """The text between pytest-cov's 'tests coverage' separator and the next '=' separator line."""
    match = re.search(r"^=+ tests coverage =+\n(.*?)(?=^=+ )", stdout, re.S | re.M)
    return match.group(1) if match else None


@pytest.mark.parametrize("branch", [False, True], ids=["lines", "branches"])
def test_line_sets_equal_a_serial_pytest_cov_run(project, run_jackd, run_pytest, test_python, branch):
    extra = ["--cov-branch"] if branch else []
    serial_dir = project("coverage_pkg")
    serial = run_pytest(serial_dir, "--cov=pkg", "--cov-report=json:serial.json", *extra)
    assert serial.rc == 0, serial.describe()

    path = project("coverage_pkg")
    result = run_jackd(path, "-n", "2", "--cov=pkg", "--cov-report=json:jackd.json", *extra)
    assert result.rc == 0, result.describe()
    outcomes = check_all_accounted(result, TOTAL)
    assert set(outcomes.values()) == {"passed"}, result.describe()
    # Both workers ran tests, so the combine had two data files to merge.
    assert len({t["worker"] for t in result.tests}) == 2, result.describe()

    expected = line_sets(serial_dir / "serial.json", branch)
    got = line_sets(path / "jackd.json", branch)
    assert sorted(got) == ["pkg/__init__.py", "pkg/crashy.py", "pkg/numbers.py", "pkg/text.py"], got
    assert got == expected
    # Nothing trivially equal: some lines were missed, in both.
    assert got["pkg/numbers.py"]["missing_lines"], got
    # The combined data is in .coverage, so `coverage report` works afterwards; worker files are gone.
    assert (path / ".coverage").is_file(), result.describe()
    assert not list(path.glob(".coverage.*")), list(path.glob(".coverage.*"))
    rerun = subprocess.run([test_python, "-m", "coverage", "report"], cwd=path, capture_output=True, text=True)
    assert rerun.returncode == 0 and "pkg/numbers.py" in rerun.stdout, rerun.stdout + rerun.stderr
    assert_no_engine_noise(result)


def test_coverage_survives_a_crashed_worker(project, run_jackd, tmp_path):
    logs = tmp_path / "logs"
    logs.mkdir()
    path = project("coverage_pkg")
    result = run_jackd(
        path, "-n", "1", "--cov=pkg", "--cov-report=json:cov.json",
        env={"E2E_COVERAGE_CRASH": "1", "E2E_LOG_DIR": logs},
    )
    outcomes = check_all_accounted(result, TOTAL)
    assert outcomes["tests/test_b_crash.py::test_kill_my_worker"] == "crashed", result.describe()
    assert result.rc == 1, result.describe()
    ran = pids_logged(logs / "tests.log")
    killed = ran["tests/test_b_crash.py::test_kill_my_worker"]
    assert len(killed) == 1, ran
    # beta (another file) and alpha (the same file) ran once, before the crash, in the worker that died:
    # their lines can only come from the data that worker saved before it sent their results.
    for node_id in ("tests/test_a_before_crash.py::test_covers_beta", "tests/test_b_crash.py::test_covers_alpha"):
        assert ran[node_id] == killed, (node_id, ran)
    assert ran["tests/test_c_after_crash.py::test_covers_gamma"] != killed, ran
    covered = functions_covered(path / "cov.json", "pkg/crashy.py")
    assert covered == {"beta": True, "alpha": True, "gamma": True}, covered


def test_fail_under_fails_a_green_run_with_pytest_covs_message(project, run_jackd):
    path = project("coverage_pkg")
    result = run_jackd(path, "-n", "2", "--cov=pkg", "--cov-fail-under=95")
    assert result.rc == 1, result.describe()
    assert set(check_all_accounted(result, TOTAL).values()) == {"passed"}, result.describe()
    section = coverage_section(result.stdout)
    assert section is not None, result.describe()
    assert re.search(r"FAIL Required test coverage of 95% not reached\. Total coverage: \d+\.\d\d%", section), (
        result.describe()
    )
    # The terminal report comes before the closing summary line, as pytest-cov places it.
    assert "TOTAL" in section and result.stdout.index("TOTAL") < result.stdout.index(final_line(result.stdout))

    reached = run_jackd(project("coverage_pkg"), "-n", "2", "--cov=pkg", "--cov-fail-under", "50")
    assert reached.rc == 0, reached.describe()
    assert re.search(r"Required test coverage of 50% reached\. Total coverage: \d+\.\d\d%", reached.stdout)


def test_reports_land_where_asked(project, run_jackd):
    path = project("coverage_pkg")
    result = run_jackd(
        path, "-n", "2", "--cov=pkg", "--cov-report=term-missing", "--cov-report=xml:out/cov.xml",
        "--cov-report", "html:out/html", "--cov-report=json:out/cov.json",
    )
    assert result.rc == 0, result.describe()
    section = coverage_section(result.stdout)
    assert section is not None and re.search(r"coverage: platform \w+, python \d", section), result.describe()
    # term-missing: the Missing column names numbers.py's never-called function.
    assert re.search(r"pkg/numbers\.py .*\b20-23\b", section), section
    for line in ("Coverage XML written to file out/cov.xml", "Coverage HTML written to dir out/html",
                 "Coverage JSON written to file out/cov.json"):
        assert line in section, section
    assert (path / "out/cov.xml").read_text().startswith("<?xml")
    assert (path / "out/html/index.html").is_file()
    assert "pkg/text.py" in json.loads((path / "out/cov.json").read_text())["files"]
    # Only the one note about pytest-cov, once.
    assert result.stdout.count(PYTEST_COV_NOTE) == 1, result.describe()


def test_no_report_but_data_and_default_term(project, run_jackd):
    path = project("coverage_pkg")
    silent = run_jackd(path, "-n", "2", "--cov=pkg", "--cov-report=")
    assert silent.rc == 0, silent.describe()
    assert coverage_section(silent.stdout) is None and "TOTAL" not in silent.stdout, silent.describe()
    assert (path / ".coverage").is_file()

    term = run_jackd(project("coverage_pkg"), "-n", "2", "--cov", "pkg")
    section = coverage_section(term.stdout)
    assert section is not None and re.search(r"^TOTAL\s+48\s+7\s+85%$", section, re.M), term.describe()


def test_worker_data_files_are_kept_when_asked(project, run_jackd, test_python):
    path = project("coverage_pkg")
    result = run_jackd(path, "-n", "2", "--cov=pkg", "--cov-report=", "--cov-keep-worker-data")
    assert result.rc == 0, result.describe()
    kept = sorted(p.name for p in path.glob(".coverage.jackd-*"))
    assert len(kept) == 2 and {name.split(".")[3] for name in kept} == {"gw0", "gw1"}, kept
    # They are coverage.py's parallel files: `coverage combine` reads them again.
    combined = subprocess.run([test_python, "-m", "coverage", "combine", "--keep"], cwd=path,
                              capture_output=True, text=True)
    assert combined.returncode == 0, combined.stdout + combined.stderr


def test_project_configuration_is_honoured(project, run_jackd):
    path = project("coverage_pkg")
    (path / "pyproject.toml").write_text(
        "[tool.coverage.run]\nsource = ['pkg']\nomit = ['pkg/text.py']\nparallel = true\n"
        "[tool.coverage.report]\nfail_under = 99\nshow_missing = true\n"
    )
    # A bare --cov: no source filter from jackd, so the configuration's source applies; `parallel` does
    # not change where the combined data goes.
    result = run_jackd(path, "-n", "2", "--cov")
    assert result.rc == 1, result.describe()
    section = coverage_section(result.stdout)
    assert section is not None, result.describe()
    assert "pkg/numbers.py" in section and "pkg/text.py" not in section, section
    assert "FAIL Required test coverage of 99% not reached" in section, section
    assert (path / ".coverage").is_file() and not list(path.glob(".coverage.*")), list(path.iterdir())

    # An explicit --cov-config file, .coveragerc syntax.
    other = project("coverage_pkg")
    (other / "cov.ini").write_text("[run]\nomit = pkg/crashy.py\ndata_file = measured.db\n")
    result = run_jackd(other, "-n", "2", "--cov=pkg", "--cov-config", "cov.ini")
    assert result.rc == 0, result.describe()
    section = coverage_section(result.stdout)
    assert "pkg/crashy.py" not in section and "pkg/text.py" in section, section
    assert (other / "measured.db").is_file() and not (other / ".coverage").exists()


def test_pytest_cov_options_in_addopts_are_honoured(project, run_jackd):
    path = project("coverage_pkg")
    (path / "pytest.ini").write_text(
        "[pytest]\ntestpaths = tests\naddopts = --cov=pkg --cov-report=json:from-addopts.json\n"
    )
    result = run_jackd(path, "-n", "2")
    assert result.rc == 0, result.describe()
    assert set(check_all_accounted(result, TOTAL).values()) == {"passed"}, result.describe()
    assert "Coverage JSON written to file from-addopts.json" in result.stdout, result.describe()
    assert "pkg/numbers.py" in json.loads((path / "from-addopts.json").read_text())["files"]
    assert result.stdout.count(PYTEST_COV_NOTE) == 1, result.describe()
    # pytest-cov itself measured nothing: no data file of its own naming was left behind.
    assert not list(path.glob(".coverage.*")), list(path.iterdir())

    # --no-cov turns it off.
    quiet = run_jackd(project("coverage_pkg"), "-n", "2", "--no-cov")
    assert quiet.rc == 0 and coverage_section(quiet.stdout) is None, quiet.describe()


def test_cov_without_coverage_installed_is_a_usage_error(project, run_jackd, tmp_path):
    # A sitecustomize that hides coverage.py from the interpreter, as if it were not installed.
    hide = tmp_path / "hide"
    hide.mkdir()
    (hide / "sitecustomize.py").write_text(
        "import sys\n"
        "class _Hide:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name == 'coverage' or name.startswith('coverage.') or name.startswith('pytest_cov'):\n"
        "            raise ModuleNotFoundError(name)\n"
        "        return None\n"
        "sys.meta_path.insert(0, _Hide())\n"
    )
    from jackd_e2e import SUPPORT_DIR

    env = {"PYTHONPATH": f"{hide}:{SUPPORT_DIR}"}
    result = run_jackd(project("coverage_pkg"), "-n", "2", "--cov=pkg", env=env)
    assert result.rc == 4, result.describe()
    line = assert_one_line_error(result, "--cov needs coverage.py in", "pip install coverage")
    assert "python" in line
    assert_no_engine_noise(result)


def test_a_failing_report_is_one_error_line(project, run_jackd):
    # A source that nothing imports: coverage.py has no data to report.
    result = run_jackd(project("coverage_pkg"), "-n", "2", "--cov=no_such_module")
    assert result.rc == 3, result.describe()
    assert_one_line_error(result, "coverage", "No data")
    assert set(check_all_accounted(result, TOTAL).values()) == {"passed"}, result.describe()
    assert_no_engine_noise(result)


def test_bad_coverage_options_are_usage_errors(project, run_jackd):
    for args, mention in (
        (["--cov-report=bogus"], "invalid choice"),
        (["--cov-fail-under=abc"], "--cov-fail-under"),
        (["--cov-report"], "--cov-report needs a value"),
    ):
        result = run_jackd(project("coverage_pkg"), "--cov=pkg", *args)
        assert result.rc == 4, result.describe()
        assert_one_line_error(result, mention)

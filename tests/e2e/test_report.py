"""jackd's terminal report reads like pytest's, and its JSON report agrees with it.

Where the spec says "as pytest prints it", the comparison is with plain pytest run on the same copy of
the project with the same arguments and environment.
"""
import re

import pytest

from jackd_e2e import (
    check_report_shape,
    collected_count,
    final_line,
    is_worker_platform_line,
    section,
    short_summary,
    subsections,
    summary_counts,
    without_timing,
)

# Only test_mixed.py: the module-level skip of test_module_skip.py is a skipped collector, not a test,
# and whether the JSON summary counts it is not specified.
MIXED_FILE = "test_mixed.py"


@pytest.fixture
def mixed(project):
    return project("mixed")


def test_header_names_rootdir_workers_and_collected_count(mixed, run_jackd, run_pytest):
    plain = run_pytest(mixed, MIXED_FILE)
    jackd = run_jackd(mixed, "-n", "2", MIXED_FILE)
    assert re.search(r"^=+ test session starts =+$", jackd.stdout, re.MULTILINE), jackd.describe()
    assert f"rootdir: {mixed}" in jackd.stdout, jackd.describe()
    workers = jackd.report["workers"]
    assert workers == 2
    jackd_lines = [line for line in jackd.stdout.splitlines() if "jackd" in line.lower() and "worker" in line.lower()]
    assert any(re.search(rf"\b{workers}\b", line) for line in jackd_lines), (
        "no header line names jackd and its worker count\n" + jackd.describe()
    )
    assert collected_count(jackd.stdout) == collected_count(plain.stdout) == len(plain.collected)


# pytest counts a passing test whose teardown fails twice ("1 passed, 1 error"); jackd's reports count
# every test once, so it is an error only. Comparisons of the closing line with pytest's leave it out.
NOT_TEARDOWN_ERROR = ["-k", "not test_teardown_error"]


def test_final_line_equals_pytests(mixed, run_jackd, run_pytest):
    plain = run_pytest(mixed, *NOT_TEARDOWN_ERROR)
    jackd = run_jackd(mixed, "-n", "2", *NOT_TEARDOWN_ERROR)
    assert final_line(jackd.stdout) is not None, jackd.describe()
    expected = without_timing(final_line(plain.stdout))
    assert expected == "5 failed, 13 passed, 5 skipped, 1 deselected, 3 xfailed, 1 xpassed, 1 error", plain.describe()
    assert without_timing(final_line(jackd.stdout)) == expected, jackd.describe()
    assert re.search(r"^=+ .* in \d+\.\d\ds( \(.*\))? =+$", jackd.stdout, re.MULTILINE), jackd.describe()


def test_final_line_counts_equal_the_json_summary(mixed, run_jackd):
    # Every collected test has exactly one outcome in every report, the closing line included: the test
    # whose teardown fails after it passed is one error, not "1 passed, 1 error".
    jackd = run_jackd(mixed, "-n", "2", MIXED_FILE)
    check_report_shape(jackd)
    assert jackd.outcome_map()["test_mixed.py::test_teardown_error"] == "error"
    counts = summary_counts(final_line(jackd.stdout))
    summary = jackd.report["summary"]
    for outcome in ("passed", "failed", "skipped", "xfailed", "xpassed", "error"):
        assert counts.get(outcome, 0) == summary.get(outcome, 0), (outcome, counts, summary, jackd.stdout[-3000:])


def test_short_summary_lines_equal_pytests(mixed, run_jackd, run_pytest):
    plain = run_pytest(mixed)
    jackd = run_jackd(mixed, "-n", "2")
    expected = sorted(short_summary(plain.stdout))
    assert "FAILED test_mixed.py::test_fail - assert 1 == 2" in expected, plain.describe()
    assert "FAILED test_mixed.py::test_ids[neg::one] - assert -1 > 0" in expected
    assert sorted(short_summary(jackd.stdout)) == expected, jackd.describe()


@pytest.mark.parametrize(
    "extra",
    [[], ["-rA", *NOT_TEARDOWN_ERROR], ["-rsxX", "-q"]],
    ids=["default", "rA", "rsxX-q"],
)
def test_short_summary_honours_report_chars(mixed, run_jackd, run_pytest, extra):
    plain = run_pytest(mixed, *extra)
    jackd = run_jackd(mixed, "-n", "2", *extra)
    assert sorted(short_summary(jackd.stdout)) == sorted(short_summary(plain.stdout)), jackd.describe()


XFAIL_PHASES = '''
import pytest

@pytest.fixture
def refuses():
    pytest.xfail("the fixture refuses")

def test_xfail_in_setup(refuses):
    pass

def test_xfail_in_call():
    pytest.xfail("the test refuses")
'''


def test_xfail_summary_names_the_phase_as_pytest_does(project, tmp_path, run_jackd, run_pytest):
    # pytest 9.2 says "XFAIL at setup of <test>" for pytest.xfail() in a fixture.
    source = tmp_path / "xfail_phases"
    source.mkdir()
    (source / "pytest.ini").write_text("[pytest]\n")
    (source / "test_xfail_phases.py").write_text(XFAIL_PHASES)
    path = project(source)
    plain = run_pytest(path, "-rx")
    jackd = run_jackd(path, "-n", "2", "-rx")
    assert jackd.rc == plain.rc == 0, jackd.describe()
    expected = sorted(short_summary(plain.stdout))
    assert any("the fixture refuses" in line for line in expected), plain.describe()
    assert sorted(short_summary(jackd.stdout)) == expected, jackd.describe()


@pytest.mark.parametrize("tb", ["auto", "long", "short", "native"])
def test_failure_sections_equal_pytests(mixed, run_jackd, run_pytest, tb):
    plain = run_pytest(mixed, f"--tb={tb}")
    jackd = run_jackd(mixed, "-n", "2", f"--tb={tb}")
    for title in ("FAILURES", "ERRORS"):
        expected = subsections(section(plain.stdout, title) or "")
        assert expected, f"plain pytest printed no {title} section\n" + plain.describe()
        actual = subsections(section(jackd.stdout, title) or "")
        assert sorted(actual) == sorted(expected), f"{title} titles differ\n" + jackd.describe()
        for name, body in expected.items():
            assert actual[name] == body, f"{title} / {name} differs from pytest's\n--- pytest ---\n{body}\n" + (
                f"--- jackd ---\n{actual[name]}"
            )


def test_tb_short_is_shorter_than_long(mixed, run_jackd):
    # Guards the comparison above: the styles really differ, and jackd shows the difference.
    long_run = run_jackd(mixed, "-n", "2", "--tb=long", "test_mixed.py::test_fail")
    short_run = run_jackd(mixed, "-n", "2", "--tb=short", "test_mixed.py::test_fail")
    long_body = subsections(section(long_run.stdout, "FAILURES") or "").get("test_fail", "")
    short_body = subsections(section(short_run.stdout, "FAILURES") or "").get("test_fail", "")
    assert "def test_fail():" in long_body, long_run.describe()
    assert "def test_fail():" not in short_body and "test_mixed.py:" in short_body, short_run.describe()
    assert "E       assert 1 == 2" in long_body and "E   assert 1 == 2" in short_body


def test_tb_line_equals_pytests(mixed, run_jackd, run_pytest):
    plain = run_pytest(mixed, "--tb=line")
    jackd = run_jackd(mixed, "-n", "2", "--tb=line")
    def lines(stdout):
        text = section(stdout, "FAILURES") or ""
        return sorted(line for line in text.splitlines() if line.strip() and not is_worker_platform_line(line))

    expected = lines(plain.stdout)
    assert expected, plain.describe()
    actual = lines(jackd.stdout)
    assert actual == expected, jackd.describe()


def test_tb_no_hides_tracebacks_but_keeps_the_summary(mixed, run_jackd):
    jackd = run_jackd(mixed, "-n", "2", "--tb=no")
    assert jackd.rc == 1
    assert section(jackd.stdout, "FAILURES") is None, jackd.describe()
    assert section(jackd.stdout, "ERRORS") is None, jackd.describe()
    assert "assert 1 == 2" not in "\n".join(
        line for line in jackd.stdout.splitlines() if not line.startswith(("FAILED ", "ERROR "))
    ), jackd.describe()
    assert "e2e-captured-stdout-marker" not in jackd.stdout
    assert "FAILED test_mixed.py::test_fail - assert 1 == 2" in short_summary(jackd.stdout), jackd.describe()


def test_captured_stdout_of_a_failing_test_is_shown(mixed, run_jackd):
    jackd = run_jackd(mixed, "-n", "2", "test_mixed.py::test_fail", "test_mixed.py::test_pass")
    body = subsections(section(jackd.stdout, "FAILURES") or "").get("test_fail", "")
    assert re.search(r"-+ Captured stdout call -+\ne2e-captured-stdout-marker from test_fail", body), (
        jackd.describe()
    )


def test_verbose_lines_name_the_worker_of_each_test(project, run_jackd):
    jackd = run_jackd(project("fixture_counts"), "-n", "2", "-v")
    check_report_shape(jackd)
    pattern = re.compile(r"^\[(gw\d+)\] \[\s*(\d+)%\] (PASSED|FAILED|ERROR|SKIPPED|XFAIL|XPASS) (.+?)\s*$")
    lines = [pattern.match(line) for line in jackd.stdout.splitlines()]
    seen = {m.group(4): (m.group(1), m.group(3)) for m in lines if m}
    expected = {t["node_id"]: (t["worker"], "PASSED") for t in jackd.tests}
    assert len(expected) == 40
    assert seen == expected, jackd.describe()
    assert len([m for m in lines if m]) == 40, "one -v line per test\n" + jackd.describe()
    assert max(int(m.group(2)) for m in lines if m) == 100


def test_durations_section(mixed, run_jackd):
    jackd = run_jackd(mixed, "-n", "2", "--durations", "3", MIXED_FILE)
    text = section(jackd.stdout, "slowest 3 durations")
    assert text is not None, jackd.describe()
    rows = [line for line in text.splitlines() if re.match(r"^\d+\.\d\ds (setup|call|teardown)\s+\S", line)]
    assert 1 <= len(rows) <= 3, text
    # test_slow sleeps 0.3 s; everything else in test_mixed.py takes milliseconds.
    assert re.match(r"^\d+\.\d\ds call\s+test_mixed\.py::test_slow$", rows[0]), text
    seconds = [float(row.split("s ", 1)[0]) for row in rows]
    assert seconds[0] >= 0.29, text
    assert seconds == sorted(seconds, reverse=True), text


def test_json_report_shape_and_timings(mixed, run_jackd):
    jackd = run_jackd(mixed, "-n", "2")
    check_report_shape(jackd)
    by_id = {t["node_id"]: t for t in jackd.tests}
    slow = by_id["test_mixed.py::test_slow"]
    # test_slow sleeps 0.3 s in its call phase; the shim's monotonic clock must see that.
    assert slow["call"] >= 0.29, slow
    assert slow["duration"] >= slow["call"], slow
    assert jackd.report["duration"] >= 0.29
    assert jackd.report["workers"] == 2
    assert {t["worker"] for t in jackd.tests} <= {"gw0", "gw1"}


def test_quiet_mode_final_line_equals_pytests(mixed, run_jackd, run_pytest):
    plain = run_pytest(mixed, "-q", *NOT_TEARDOWN_ERROR)
    jackd = run_jackd(mixed, "-n", "2", "-q", *NOT_TEARDOWN_ERROR)
    assert without_timing(final_line(jackd.stdout)) == without_timing(final_line(plain.stdout)), jackd.describe()
    assert "test session starts" not in jackd.stdout, jackd.describe()

"""--junitxml writes valid JUnit XML like pytest's: one testcase per test, failure text included."""
import xml.etree.ElementTree as ET

from jackd_e2e import check_report_shape

# The module-level skip file is left out: pytest writes a testcase for a skipped collector, which is no
# test, and the spec says "one testcase per collected test".
PATHS = ["test_mixed.py", "test_unittest_style.py"]


def junit_cases(path):
    root = ET.parse(path).getroot()  # raises on malformed XML
    suites = [root] if root.tag == "testsuite" else root.findall("testsuite")
    assert suites, f"no testsuite element in {path}"
    cases = {}
    for suite in suites:
        for case in suite.iter("testcase"):
            key = (case.get("classname"), case.get("name"))
            assert key not in cases, f"testcase {key} appears twice"
            children = sorted(
                (child.tag, child.get("message") or "", child.text or "")
                for child in case
                if child.tag in ("failure", "error", "skipped")
            )
            cases[key] = children
    return suites, cases


def test_junit_matches_pytests(project, run_jackd, run_pytest, tmp_path):
    path = project("mixed")
    plain_xml, jackd_xml = tmp_path / "plain.xml", tmp_path / "jackd.xml"
    plain = run_pytest(path, f"--junitxml={plain_xml}", *PATHS)
    jackd = run_jackd(path, "-n", "2", f"--junitxml={jackd_xml}", *PATHS)
    check_report_shape(jackd)
    assert jackd_xml.exists(), jackd.describe()
    _, expected = junit_cases(plain_xml)
    suites, actual = junit_cases(jackd_xml)
    assert len(actual) == len(jackd.tests) == len(plain.collected), (len(actual), len(jackd.tests))
    assert sorted(actual) == sorted(expected)
    for key, children in expected.items():
        # Kind and message of each failure, error and skip element as pytest writes them.
        assert [c[:2] for c in actual[key]] == [c[:2] for c in children], key
    # Suite totals agree with the testcases.
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    for suite in suites:
        for attribute in totals:
            totals[attribute] += int(suite.get(attribute, "0"))
    kinds = [tag for children in actual.values() for tag, _, _ in children]
    assert totals == {
        "tests": len(actual),
        "failures": kinds.count("failure"),
        "errors": kinds.count("error"),
        "skipped": kinds.count("skipped"),
    }, totals


def test_junit_failure_carries_the_traceback(project, run_jackd, tmp_path):
    xml_path = tmp_path / "jackd.xml"
    jackd = run_jackd(project("mixed"), "-n", "2", f"--junitxml={xml_path}", *PATHS)
    assert jackd.rc == 1, jackd.describe()
    _, cases = junit_cases(xml_path)
    failure = cases[("test_mixed", "test_fail")]
    assert [c[0] for c in failure] == ["failure"], failure
    assert failure[0][1] == "assert 1 == 2"
    assert "value == 2" in failure[0][2] and "test_mixed.py:" in failure[0][2], failure
    setup_error = cases[("test_mixed", "test_setup_error")]
    assert [c[0] for c in setup_error] == ["error"] and "e2e setup exploded" in setup_error[0][2], setup_error
    assert cases[("test_mixed", "test_pass")] == []
    assert [c[0] for c in cases[("test_mixed", "test_skip")]] == ["skipped"]


def test_junit_with_every_test_passing_has_no_failure(project, run_jackd, tmp_path):
    xml_path = tmp_path / "jackd.xml"
    jackd = run_jackd(project("fixture_counts"), "-n", "2", f"--junitxml={xml_path}")
    assert jackd.rc == 0, jackd.describe()
    _, cases = junit_cases(xml_path)
    assert len(cases) == 40
    assert all(children == [] for children in cases.values()), cases

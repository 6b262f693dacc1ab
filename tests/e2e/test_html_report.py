"""--html-report: one self-contained page, drawn by its own script in a real headless Chromium.

Chromium (Debian's `chromium`, in .ci/apt-packages.txt) loads the report from disk with the network
disabled, runs its script, and dumps the DOM; the test reads the timeline's lanes and bars from it and
compares them with the JSON report of the same run. A screenshot is kept in the test's tmp dir.
"""
import os
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from collections import Counter
from html.parser import HTMLParser
from urllib.parse import quote

import pytest

from jackd_e2e import check_report_shape, subtests_project

# Chromium's first start in a fresh profile takes a few seconds; on a loaded 2-core machine much longer.
CHROMIUM_TIMEOUT = 180
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="session")
def chromium():
    for name in ("chromium", "chromium-browser"):
        path = shutil.which(name)
        if path:
            return path
    message = "chromium is not installed (Debian package `chromium`, listed in .ci/apt-packages.txt; ./dev setup installs it)"
    if os.environ.get("CI"):
        pytest.fail(message + ": CI must run this test", pytrace=False)
    pytest.skip(message)


def run_chromium(chromium, tmp_path, page, *args, fragment="") -> subprocess.CompletedProcess:
    """Chromium, headless, offline (every host name fails to resolve, the proxy is a closed port), with a
    profile of its own so parallel tests do not share one."""
    profile = tmp_path / f"chromium-profile-{len(list(tmp_path.glob('chromium-profile-*')))}"
    argv = [
        chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
        "--proxy-server=127.0.0.1:9", "--host-resolver-rules=MAP * ~NOTFOUND", f"--user-data-dir={profile}",
        *args, page.as_uri() + (f"#{fragment}" if fragment else ""),
    ]
    done = subprocess.run(argv, capture_output=True, timeout=CHROMIUM_TIMEOUT, stdin=subprocess.DEVNULL)
    assert done.returncode == 0, f"{argv}\nexit {done.returncode}\n{done.stderr.decode(errors='replace')[-3000:]}"
    return done


def rendered_page(chromium, tmp_path, page) -> "DomReader":
    """The page's DOM once its script has drawn it (asserted), as Chromium dumps it."""
    dumped = run_chromium(chromium, tmp_path, page, "--dump-dom").stdout.decode("utf-8")
    dom = DomReader()
    dom.raw = dumped
    dom.feed(dumped)
    assert dom.by_id["app"].get("data-rendered") == "true", dumped[-3000:]
    return dom


class DomReader(HTMLParser):
    """The parts of the dumped DOM the test looks at: elements by id, lanes and their bars, failures."""

    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}

    def __init__(self):
        super().__init__()
        self.stack = []  # (tag, attrs) of the open elements
        self.by_id = {}
        self.lanes = []  # worker ids, in page order
        self.bars = []  # (lane's worker, bar attributes)
        self.tags = Counter()
        self.cards = {}  # summary card's outcome -> its count
        self.text = []
        self.raw = ""  # the dumped HTML itself (rendered_page)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags[tag] += 1
        classes = (attrs.get("class") or "").split()
        if "id" in attrs:
            self.by_id[attrs["id"]] = attrs
        if "lane" in classes:
            self.lanes.append(attrs["data-worker"])
        if "card" in classes and attrs.get("data-outcome"):
            self.cards[attrs["data-outcome"]] = attrs.get("data-count")
        if "bar" in classes:
            lane = next((a["data-worker"] for _, a in reversed(self.stack) if "lane" in (a.get("class") or "").split()), None)
            self.bars.append((lane, attrs))
        if tag not in self.VOID:
            self.stack.append((tag, attrs))

    def handle_endtag(self, tag):
        while self.stack:
            if self.stack.pop()[0] == tag:
                break

    def handle_data(self, data):
        if not any(t in ("script", "style") for t, _ in self.stack):
            self.text.append(data)


def expected_bars(report) -> Counter:
    """(worker, node ID, attempt) for every run that reached a worker; attempt -1 is the deciding run."""
    bars = Counter()
    for test in report["tests"]:
        for number, attempt in enumerate(test.get("attempts", [])):
            if attempt["start"] is not None:
                bars[(attempt["worker"], test["node_id"], number)] += 1
        if test["start"] is not None:
            bars[(test["worker"], test["node_id"], -1)] += 1
    return bars


def test_html_report_in_headless_chromium(project, run_jackd, chromium, tmp_path):
    html_path = tmp_path / "report.html"
    junit_path = tmp_path / "junit.xml"
    # All three reports from one run: JSON (the harness's), HTML and pytest's --junitxml.
    result = run_jackd(project("report"), "-n", "2", "--html-report", html_path, f"--junitxml={junit_path}")
    check_report_shape(result)
    report = result.report
    assert html_path.is_file(), result.describe()

    # JUnit is still written alongside, one testcase per test.
    cases = list(ET.parse(junit_path).getroot().iter("testcase"))
    assert len(cases) == len(report["tests"]) == 15, result.describe()

    # Self-contained: nothing to fetch, and the hostile test output never appears as markup.
    html = html_path.read_text(encoding="utf-8")
    assert not re.search(r"https?://", html), re.search(r".{0,80}https?://.{0,80}", html).group(0)
    assert not re.search(r"<(link|img|iframe|object|embed)\b|<script[^>]*\ssrc=|@import|url\(", html)
    assert "</script><script>document.body" not in html
    assert html.count("</script>") == 2  # the data element's and the page script's own

    dom = rendered_page(chromium, tmp_path, html_path)

    # One lane per worker that ran tests, in worker order; one bar per attempt, on its worker's lane.
    workers = sorted({t["worker"] for t in report["tests"] if t["worker"]}, key=lambda w: int(w[2:]))
    assert dom.lanes == report["worker_ids"] == workers
    assert len(workers) >= 1
    bars = Counter((lane, a["data-node-id"], int(a["data-attempt"])) for lane, a in dom.bars)
    assert bars == expected_bars(report)
    assert sum(bars.values()) == 16  # 15 tests, and the flaky test's failed first attempt
    timeline = dom.by_id["timeline"]
    assert (int(timeline["data-lanes"]), int(timeline["data-bars"])) == (len(workers), len(dom.bars))
    outcomes = {(a["data-node-id"], int(a["data-attempt"])): a["data-outcome"] for _, a in dom.bars}
    assert outcomes[("test_report.py::test_flaky", 0)] == "failed"
    assert outcomes[("test_report.py::test_flaky", -1)] == "flaky"

    # The summary counts, and the failures with their tracebacks as text.
    assert dom.cards == {outcome: str(count) for outcome, count in report["summary"].items()}
    text = "".join(dom.text)
    summary = {k: v for k, v in report["summary"].items() if v}
    assert summary == {"passed": 9, "flaky": 1, "failed": 1, "error": 1, "skipped": 1, "xfailed": 1, "xpassed": 1}
    assert "assert HOSTILE == \"anything else\"" in text and "RuntimeError: setup is broken" in text
    assert "</script><script>document.body.dataset.injected = 'yes'</script><b>not bold</b>" in text
    assert dom.tags["b"] == 0 and "data-injected" not in dom.by_id.get("app", {})
    assert "data-injected" not in dom.raw
    assert "hidden" in dom.by_id["details"]

    # "#test=<node ID>" opens the details of one test, as a click on its bar does.
    node_id = "test_report.py::test_flaky"
    linked = run_chromium(chromium, tmp_path, html_path, "--dump-dom", fragment="test=" + quote(node_id))
    dom = DomReader()
    dom.feed(linked.stdout.decode("utf-8"))
    assert "hidden" not in dom.by_id["details"] and dom.by_id["details"]["data-node-id"] == node_id
    assert "AssertionError: the first attempt fails" in "".join(dom.text)  # its failed attempt, listed

    shot = tmp_path / "report.png"
    run_chromium(chromium, tmp_path, html_path, f"--screenshot={shot}", "--window-size=1400,1000")
    data = shot.read_bytes()
    assert data.startswith(PNG_SIGNATURE) and len(data) > 10_000, len(data)


def test_html_report_of_a_run_that_ends_at_collection(project, run_jackd, chromium, tmp_path):
    html_path = tmp_path / "report.html"
    result = run_jackd(project("collection_error"), "--html-report", html_path)
    assert result.rc == 2 and html_path.is_file(), result.describe()
    dom = rendered_page(chromium, tmp_path, html_path)
    assert (dom.lanes, dom.bars) == ([], [])
    assert dom.by_id["timeline"]["data-bars"] == "0"
    assert dom.cards["not_run"] == str(len(result.report["tests"])) != "0"
    text = "".join(dom.text)
    assert "No test ran." in text and "test_import_error.py" in text  # the collection error is shown


def test_html_report_shows_files_skipped_whole(project, run_jackd, chromium, tmp_path):
    html_path = tmp_path / "report.html"
    result = run_jackd(project("mixed"), "-n", "2", "--html-report", html_path, "test_mixed.py", "test_module_skip.py")
    assert html_path.is_file(), result.describe()
    dom = rendered_page(chromium, tmp_path, html_path)
    text = "".join(dom.text)
    assert "skipped: test_module_skip.py" in text and "test_module_skip.py:3: e2e whole module skipped" in text, text[-2000:]


def test_html_report_lists_a_passed_test_whose_subtests_failed(project, run_jackd, chromium, tmp_path,
                                                              test_pytest_version):
    """A unittest test whose subTests failed passes, as in pytest, but the run fails: the page lists it among
    the failures, with how many of its subtests failed."""
    path = subtests_project(project, tmp_path / "subtests", test_pytest_version, {"test_sub.py": (
        "import unittest\n\n\nclass T(unittest.TestCase):\n    def test_x(self):\n        for i in range(4):\n"
        "            with self.subTest(i=i):\n                self.assertLess(i, 2)\n\n\ndef test_ok():\n    pass\n")})
    html_path = tmp_path / "report.html"
    result = run_jackd(path, "-n", "2", "--html-report", html_path)
    assert result.rc == 1 and result.outcome_map()["test_sub.py::T::test_x"] == "passed", result.describe()
    dom = rendered_page(chromium, tmp_path, html_path)
    text = "".join(dom.text)
    assert "test_sub.py::T::test_x" in text and "(2 failed subtests)" in text, text[-2000:]

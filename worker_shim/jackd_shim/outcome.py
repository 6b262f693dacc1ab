"""pytest reports -> one jackd TestResult per test.

A `TestRecord` collects the phase reports of one run of `pytest_runtest_protocol` and decides the single
outcome the engine gets (the proto's invariant: every test ends with exactly one outcome). Rendering
(longrepr text, summaries, captured sections) happens here too, because only the worker holds pytest's
report objects; the engine prints what it receives.

This is the per-test hot path: a passing test costs a few attribute reads and one protobuf fill.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from io import StringIO
from pathlib import Path
from typing import Any

import pytest

from jackd_shim import jackd_pb2
from jackd_shim.protocol import utf8_text

# Saved at import: suites that mock `time.monotonic` (freezegun and friends) must not distort durations.
_clock = time.monotonic

_SKIPPED_PREFIX = "Skipped: "
# pytest 9 puts a plain-string report's first line in the short summary ("FAILED id - [XPASS(strict)]
# ..."); earlier releases show the node ID alone.
_SUMMARY_OF_STRING_REPORTS = int(pytest.version_tuple[0]) >= 9  # the major version is always a number
_PHASES = {"setup": jackd_pb2.PHASE_SETUP, "call": jackd_pb2.PHASE_CALL, "teardown": jackd_pb2.PHASE_TEARDOWN}

PASSED = jackd_pb2.OUTCOME_PASSED
FAILED = jackd_pb2.OUTCOME_FAILED
ERROR = jackd_pb2.OUTCOME_ERROR
SKIPPED = jackd_pb2.OUTCOME_SKIPPED
XFAILED = jackd_pb2.OUTCOME_XFAILED
XPASSED = jackd_pb2.OUTCOME_XPASSED


@dataclass(frozen=True)
class RenderOptions:
    """What the user asked pytest to show, read once from the worker's config."""

    startpath: Path  # the invocation directory; skip locations are relative to it, as pytest prints them
    show_passes: bool  # "P" in the expanded -r chars: passed tests with captured output get a report
    show_xpasses: bool  # "X" in -r chars and this pytest prints an XPASSES section (pytest >= 8.x)
    showcapture: str  # --show-capture: no, stdout, stderr, log, all


def now() -> float:
    """The shim's monotonic clock, in seconds (CLOCK_MONOTONIC on Linux)."""
    return _clock()


def session_exit(escaped: Any) -> jackd_pb2.SessionExit:
    """What a pytest.exit() that ended the session tells the engine: its message, and the code the
    process leaves with (pytest's INTERRUPTED, 2, when it named none; sys.exit(-1) leaves with 255)."""
    returncode = escaped.returncode if escaped.returncode is not None else 2
    return jackd_pb2.SessionExit(reason=utf8_text(escaped.msg), returncode=int(returncode) % 256)


def strip_skipped_prefix(reason: str) -> str:
    return reason.removeprefix(_SKIPPED_PREFIX)


def crash_summary(report: Any) -> str:
    """The message pytest's short test summary shows after "FAILED node - ".

    The crash message (untrimmed: the engine trims to the terminal width as pytest does), the first line
    of a plain-string longrepr (`[XPASS(strict)] ...`; nothing before pytest 9), else the last non-empty
    line of the rendering.
    """
    longrepr = report.longrepr
    if isinstance(longrepr, str):
        return _first_line(longrepr) if _SUMMARY_OF_STRING_REPORTS else ""
    message = getattr(getattr(longrepr, "reprcrash", None), "message", None)
    if message is not None:
        return str(message)
    return _last_line(report.longreprtext)


def render_longrepr(report: Any) -> str:
    """The report exactly as pytest's terminal prints it in a FAILURES/ERRORS entry.

    Not `report.longreprtext`: that strips the text, and with it the indentation of the first source
    line of a long traceback.
    """
    from _pytest._io import TerminalWriter

    stream = StringIO()
    writer = TerminalWriter(file=stream)
    writer.hasmarkup = False
    report.toterminal(writer)
    return stream.getvalue().rstrip("\n")


def crash_line(report: Any) -> str:
    """What pytest prints for a failure under --tb=line: "path:line: message"."""
    try:
        return str(report.longrepr.reprcrash)
    except AttributeError:
        return str(report.longrepr)[:50]


def collect_error_summary(report: Any) -> str:
    """One line naming why a collector failed.

    The crash message when pytest has one; otherwise the last non-empty line of the rendering without
    pytest's "E   " gutter, which for an import failure is the exception ("ModuleNotFoundError: ...")
    rather than pytest's generic first line ("ImportError while importing test module ...").
    """
    message = getattr(getattr(report.longrepr, "reprcrash", None), "message", None)
    if message is not None:
        return str(message)
    line = _last_line(report.longreprtext)
    if line.startswith("E "):
        line = line[1:].lstrip()
    return line


def location_of_skip(longrepr: Any, startpath: Path, with_line: bool = True) -> str:
    """"path:line" of a skip as pytest's folded SKIPPED summary prints it ("path" alone when pytest
    folds the skip without a line). `longrepr` is pytest's (path, lineno, reason) tuple; its lineno is
    already 1-based."""
    path, lineno, _ = longrepr
    relpath = _bestrelpath(startpath, Path(path))
    return f"{relpath}:{lineno}" if with_line and lineno is not None else relpath


def _bestrelpath(startpath: Path, path: Path) -> str:
    try:
        from _pytest.pathlib import bestrelpath
    except ImportError:  # pragma: no cover - present in every supported pytest, but private
        return str(path)
    return bestrelpath(startpath, path)


def _first_line(text: str) -> str:
    for line in text.splitlines():
        if line.strip():
            return line
    return ""


def _last_line(text: str) -> str:
    for line in reversed(text.splitlines()):
        if line.strip():
            return line
    return ""


class TestRecord:
    """The reports of one test, from logstart to the end of its protocol.

    Timing uses the shim's clock at each hook: setup = setup report - logstart, call = call report(s) -
    previous report, teardown = teardown report - previous report. A second setup report (a rerun by
    pytest-rerunfailures) starts a new attempt; the last attempt decides the outcome.
    """

    __test__ = False  # not a pytest test class, whatever its name suggests
    __slots__ = (
        "_mark",
        "call",
        "call_seconds",
        "config",
        "failures",
        "index",
        "nodeid",
        "setup",
        "setup_seconds",
        "started",
        "subtests",
        "teardown",
        "teardown_seconds",
        "warnings",
    )

    def __init__(self, index: int, nodeid: str, config: pytest.Config | None = None) -> None:
        self.index = index
        self.nodeid = nodeid
        self.config = config  # for pytest_report_teststatus on subtests' reports
        self.started = _clock()
        self._mark = self.started
        self.warnings: list[str] = []
        self._reset()

    def _reset(self) -> None:
        self.setup: Any | None = None
        self.call: Any | None = None
        self.teardown: Any | None = None
        self.failures: list[Any] = []  # failed reports in order, subtests' among them
        self.subtests: list[tuple[Any, str, str, str]] = []  # (report, category, letter, word)
        self.setup_seconds = self.call_seconds = self.teardown_seconds = 0.0

    def restart(self) -> None:
        """Start the clock again at pytest's logstart (the record is made just before the protocol)."""
        self.started = self._mark = _clock()

    def add(self, report: Any) -> None:
        """Take one phase report (pytest_runtest_logreport)."""
        at = _clock()
        elapsed = at - self._mark
        self._mark = at
        when = report.when
        if when == "setup":
            self._reset()
            self.setup = report
            self.setup_seconds = elapsed
        elif when == "call":
            self.call_seconds += elapsed
            if _is_subtest(report):
                self._add_subtest(report)
                return
            if self.subtests:
                # pytest 9 fails a test whose subtests failed ("contains 2 failed subtests") in this
                # hook, which pytest's terminal calls and a worker's does not.
                self._status(report)
            self.call = report
        elif when == "teardown":
            self.teardown = report
            self.teardown_seconds += elapsed
        if report.failed:
            self.failures.append(report)

    def _status(self, report: Any) -> tuple[str, str, str]:
        """pytest_report_teststatus's (category, letter, word) for `report`, as pytest's terminal gets it."""
        if self.config is None:
            return "", "", ""
        category, letter, word = self.config.hook.pytest_report_teststatus(report=report, config=self.config)
        if isinstance(word, tuple):  # (word, markup)
            word = word[0]
        return str(category), str(letter), str(word)

    def _add_subtest(self, report: Any) -> None:
        self.subtests.append((report, *self._status(report)))
        if report.failed:
            self.failures.append(report)

    def outcome(self) -> int:
        """The one outcome of this test, by the rules in proto/jackd.proto's Outcome comments."""
        setup, call = self.setup, self.call
        if setup is None or setup.failed:
            outcome = ERROR
        elif setup.skipped:
            outcome = XFAILED if hasattr(setup, "wasxfail") else SKIPPED
        elif call is None:
            outcome = PASSED  # --setup-only: setup passed and no call was made
        elif call.failed:
            outcome = FAILED  # a strict XPASS arrives as a failed call too
        elif call.skipped:
            outcome = XFAILED if hasattr(call, "wasxfail") else SKIPPED
        else:
            outcome = XPASSED if hasattr(call, "wasxfail") else PASSED
        if outcome not in (FAILED, ERROR) and self.teardown is not None and self.teardown.failed:
            outcome = ERROR
        return outcome

    def fill(self, result: jackd_pb2.TestResult, options: RenderOptions) -> None:
        """Write this test's TestResult into `result` (a message already placed in a TestResults)."""
        outcome = self.outcome()
        result.index = self.index
        result.outcome = outcome
        result.setup_seconds = self.setup_seconds
        result.call_seconds = self.call_seconds
        result.teardown_seconds = self.teardown_seconds
        result.started = self.started
        result.finished = self._mark
        if self.warnings:
            result.warnings.extend(utf8_text(w) for w in self.warnings)
        last = self.teardown or self.call or self.setup
        for name, value in getattr(last, "user_properties", ()):  # record_property; junitxml reads teardown's
            result.user_properties.add(name=utf8_text(str(name)), value=utf8_text(str(value)))
        first = self.setup or self.call or self.teardown
        if first is None:
            _add_phase(result, jackd_pb2.PHASE_SETUP, "pytest produced no report for this test",
                       "no report", ())
            return
        head_line = first.head_line
        if head_line:
            result.head_line = utf8_text(head_line)
        if outcome == SKIPPED:
            self._fill_skip(result, options)
        elif outcome in (XFAILED, XPASSED):
            result.reason = utf8_text(str(_xfail_reason(self.setup, self.call)))
            if outcome == XFAILED and self.setup is not None and hasattr(self.setup, "wasxfail"):
                result.xfailed_in = jackd_pb2.PHASE_SETUP
        for report in self.failures:
            phase = _add_phase(result, _PHASES.get(report.when, jackd_pb2.PHASE_UNSPECIFIED),
                               render_longrepr(report), crash_summary(report),
                               _sections(report.sections, options.showcapture), crash_line(report))
            own_head_line = report.head_line  # a subtest's names its parameters: "T.test_x (i=2)"
            if own_head_line and own_head_line != head_line:
                phase.head_line = utf8_text(own_head_line)
            if _is_subtest(report):
                phase.subtest = True
        for report, category, letter, word in self.subtests:
            _add_subtest_status(result, report, category, letter, word, options)
        # A passed (xpassed) test had no failure of its own: the failed subtests of one stay in FAILURES.
        if self.call is not None and self.call.sections and (
            options.show_passes if outcome == PASSED else (outcome == XPASSED and options.show_xpasses)
        ):
            _add_phase(result, jackd_pb2.PHASE_CALL, "", "", _sections(self.call.sections, options.showcapture))
        call_phase = next((p for p in reversed(result.reports) if p.when == jackd_pb2.PHASE_CALL), None)
        if call_phase is not None and self.teardown is not None and self.teardown.passed:
            # pytest prints a passed teardown's captured output at the end of a FAILURES (or -rP PASSES)
            # entry, never for setup errors; the engine prints a report's sections in order.
            for title, content in _sections(self.teardown.sections, options.showcapture):
                if "teardown" in title:
                    call_phase.sections.add(title=utf8_text(title), content=utf8_text(content))

    def _fill_skip(self, result: jackd_pb2.TestResult, options: RenderOptions) -> None:
        report = self.setup if self.setup is not None and self.setup.skipped else self.call
        assert report is not None  # a skip comes from setup or from the call
        longrepr = report.longrepr
        if isinstance(longrepr, tuple) and len(longrepr) == 3:
            result.reason = utf8_text(strip_skipped_prefix(str(longrepr[2])))
            # pytest folds skips that come from a @skip mark in setup without a line number.
            keywords = getattr(report, "keywords", {})
            with_line = not (report.when == "setup" and "skip" in keywords and "pytestmark" not in keywords)
            result.skip_location = utf8_text(location_of_skip(longrepr, options.startpath, with_line))
        elif longrepr is not None:
            result.reason = utf8_text(strip_skipped_prefix(str(longrepr)))


def _is_subtest(report: Any) -> bool:
    """A subtest's report: pytest 9's SubtestReport or the pytest-subtests plugin's SubTestReport (both
    TestReports of the call phase, sent while the test runs)."""
    return type(report).__name__ in _SUBTEST_REPORTS


_SUBTEST_REPORTS = frozenset(("SubtestReport", "SubTestReport"))


def _add_subtest_status(result: jackd_pb2.TestResult, report: Any, category: str, letter: str, word: str,
                        options: RenderOptions) -> None:
    status = result.subtests.add(category=utf8_text(category), letter=utf8_text(letter), word=utf8_text(word),
                                 outcome=PASSED, title=utf8_text(report.head_line or ""))
    if hasattr(report, "wasxfail"):
        status.outcome = XFAILED
        status.message = utf8_text(str(report.wasxfail))
    elif report.failed:
        status.outcome = FAILED
        status.message = utf8_text(crash_summary(report))
    elif report.skipped:
        status.outcome = SKIPPED
        longrepr = report.longrepr
        if isinstance(longrepr, tuple) and len(longrepr) == 3:
            status.message = utf8_text(strip_skipped_prefix(str(longrepr[2])))
            status.skip_location = utf8_text(location_of_skip(longrepr, options.startpath))


def _xfail_reason(setup: Any, call: Any) -> str:
    for report in (call, setup):
        if report is not None and hasattr(report, "wasxfail"):
            return report.wasxfail
    return ""


def _sections(sections: Sequence[tuple[str, str]], showcapture: str) -> list[tuple[str, str]]:
    """Apply --show-capture as pytest's terminal summary does, so the engine prints what it gets."""
    if showcapture == "no":
        return []
    if showcapture == "all":
        return list(sections)
    return [(title, content) for title, content in sections if showcapture in title]


def _add_phase(result: jackd_pb2.TestResult, when: int, longrepr: str, summary: str,
               sections: Sequence[tuple[str, str]], crash: str = "") -> jackd_pb2.PhaseReport:
    phase = result.reports.add()
    phase.when = when
    phase.longrepr = utf8_text(longrepr)
    phase.summary = utf8_text(summary)
    if crash:
        phase.crash_line = utf8_text(crash)
    for title, content in sections:
        section = phase.sections.add()
        section.title = utf8_text(title)
        section.content = utf8_text(content)
    return phase

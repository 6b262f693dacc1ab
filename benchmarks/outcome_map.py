"""Per-test outcome maps, read from the JUnit XML files that pytest, pytest-xdist and jackd write.

Equal counts do not mean equal outcomes: one test skipped where serial pytest passes it and another
passed where pytest skips it leave "5443 passed, 61 skipped" as it was (issue 25's skipif on
`sys.modules`). Every runner writes `--junitxml`, so one reader gives all of them the same key for a
test (its JUnit classname and name) and the same outcome names.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

# test key ("tests.test_a.TestB::test_c[1]") -> outcome ("passed", "failed", "skipped", "xfailed", ...).
OutcomeMap = dict[str, str]


@dataclass(frozen=True)
class Difference:
    test: str
    expected: str | None  # None: the test is missing from this map
    got: str | None

    def __str__(self) -> str:
        return f"{self.test}: {self.got or 'missing'} (serial: {self.expected or 'missing'})"


def _outcome(testcase: ET.Element) -> str:
    """pytest's JUnit vocabulary back to outcomes: an xfail is a <skipped type="pytest.xfail">, an
    error beside a failure (a teardown error after a failed call) keeps both."""
    found = []
    for child in testcase:
        if child.tag in ("failure", "error"):
            found.append("failed" if child.tag == "failure" else "error")
        elif child.tag == "skipped":
            found.append("xfailed" if child.get("type") == "pytest.xfail" else "skipped")
    return "+".join(found) or "passed"


def read(path: Path) -> tuple[OutcomeMap, float]:
    """The outcome of every test in a JUnit file, and the sum of their times (pytest's default
    junit_duration_report, `total`: setup, call and teardown). A key seen twice keeps both outcomes."""
    outcomes: OutcomeMap = {}
    total = 0.0
    for testcase in ET.parse(path).getroot().iter("testcase"):
        key = f"{testcase.get('classname', '')}::{testcase.get('name', '')}"
        outcome = _outcome(testcase)
        outcomes[key] = f"{outcomes[key]},{outcome}" if key in outcomes else outcome
        total += float(testcase.get("time") or 0.0)
    return outcomes, total


def differences(expected: OutcomeMap, got: OutcomeMap) -> list[Difference]:
    """Every test whose outcome differs, in expected's order, then the tests only got has."""
    found = [Difference(k, v, got.get(k)) for k, v in expected.items() if got.get(k) != v]
    return found + [Difference(k, None, v) for k, v in got.items() if k not in expected]


def describe(found: list[Difference], limit: int = 5) -> str:
    """The first few differences on one line each, for a report."""
    lines = [f"      {d}" for d in found[:limit]]
    if len(found) > limit:
        lines.append(f"      ... and {len(found) - limit} more")
    return "\n".join(lines)

"""A pytest plugin that writes plain pytest's result as one outcome per test, using jackd's rules.

Load it with `-p outcome_map_plugin` (with this directory on PYTHONPATH) and name the output file in
E2E_OUTCOME_MAP. It writes JSON: {"collected": [node IDs in collection order], "outcomes": {node ID:
outcome}, "exit_status": int}.

The rules (the same that jackd's JSON report follows):
- setup failed -> error; skipped in setup -> skipped (xfailed when pytest.xfail() was called there);
- call failed (including a strict xpass) -> failed; call skipped -> skipped, or xfailed for an xfail;
  call passed -> passed, or xpassed for a non-strict xpass. Subtests' reports (pytest 9's subtests
  fixture, unittest's subTest) do not decide: the test's own call report does, as pytest's terminal
  shows it (pytest 9 fails a fixture test whose subtests failed, not a unittest test);
- teardown failed after a passing test -> error. A test that already failed or errored keeps that
  outcome. A skipped or xfailed test whose teardown fails becomes error: the spec is silent there, and
  the e2e fixture projects avoid that combination.
"""
import json
import os

import pytest

OUTPUT_ENV = "E2E_OUTCOME_MAP"


def classify(report, current):
    """The outcome after `report`, given the outcome so far (None before any decisive phase)."""
    xfail = hasattr(report, "wasxfail")
    if report.when == "setup":
        if report.failed:
            return "error"
        if report.skipped:
            return "xfailed" if xfail else "skipped"
        return current
    if report.when == "call":
        if report.failed or current == "failed":
            return "failed"
        if report.skipped:
            return "xfailed" if xfail else "skipped"
        return "xpassed" if xfail else "passed"
    # teardown
    if report.failed and current not in ("failed", "error"):
        return "error"
    return current


class OutcomeMap:
    def __init__(self, path):
        self.path = path
        self.collected = []
        self.outcomes = {}

    def pytest_collection_finish(self, session):
        self.collected = [item.nodeid for item in session.items]

    # After pytest's terminal reporter, whose pytest_report_teststatus call fails (in pytest 9) a test whose
    # subtests failed.
    @pytest.hookimpl(trylast=True)
    def pytest_runtest_logreport(self, report):
        if type(report).__name__ in ("SubtestReport", "SubTestReport"):
            return
        self.outcomes[report.nodeid] = classify(report, self.outcomes.get(report.nodeid))

    def pytest_sessionfinish(self, session, exitstatus):
        data = {
            "collected": self.collected,
            "outcomes": self.outcomes,
            "exit_status": int(exitstatus),
        }
        with open(self.path, "w", encoding="utf-8") as f:
            json.dump(data, f, ensure_ascii=False, indent=1)


def pytest_configure(config):
    path = os.environ.get(OUTPUT_ENV)
    if path:
        config.pluginmanager.register(OutcomeMap(path), "e2e-outcome-map")

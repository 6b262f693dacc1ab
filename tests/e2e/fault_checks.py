"""Checks shared by the fault tests (crash, timeouts, fail fast, interrupts, misbehaving tests, broken
environments): every run accounts for every collected test, in the JSON report and on the final line.

Kept beside jackd_e2e.py (whose helpers these build on) so the fault modules share one definition of
"no result was lost".
"""
from __future__ import annotations

import re
from pathlib import Path

from jackd_e2e import OUTCOMES, check_report_shape, final_line, is_alive, wait_until

# The words jackd's final line uses per outcome ("3 passed, 1 crashed, 2 timeout, 5 not run in 4.1s").
_FINAL_WORDS = {
    "passed": "passed",
    "failed": "failed",
    "skipped": "skipped",
    "xfailed": "xfailed",
    "xpassed": "xpassed",
    "error": "error",
    "errors": "error",
    "crashed": "crashed",
    "timeout": "timeout",
    "timeouts": "timeout",
    "timed out": "timeout",
    "not run": "not_run",
}
_FINAL_COUNT = re.compile(r"(\d+) (" + "|".join(sorted(map(re.escape, _FINAL_WORDS), key=len, reverse=True)) + r")\b")


def final_counts(stdout: str) -> dict:
    """{outcome: count} from jackd's closing summary line, outcome names as in the JSON report."""
    line = final_line(stdout)
    assert line is not None, "no closing summary line"
    counts: dict = {}
    for number, word in _FINAL_COUNT.findall(line):
        key = _FINAL_WORDS[word]
        counts[key] = counts.get(key, 0) + int(number)
    return counts


def check_all_accounted(result, total: int) -> dict:
    """The report's schema holds, it lists `total` tests once each, its summary adds up to `total`, and
    the final terminal line counts exactly the same outcomes. Returns {node ID: outcome}."""
    check_report_shape(result)
    outcomes = result.outcome_map()
    assert len(outcomes) == total, f"{len(outcomes)} tests in the report, {total} collected\n" + result.describe()
    summary = {key: value for key, value in result.report["summary"].items() if key in OUTCOMES and value}
    assert sum(summary.values()) == total, f"summary {summary} does not add up to {total}\n" + result.describe()
    assert final_line(result.stdout) is not None, "no closing summary line\n" + result.describe()
    assert final_counts(result.stdout) == summary, (
        f"final line {final_line(result.stdout)!r} does not count {summary}\n" + result.describe()
    )
    return outcomes


def entry_for(result, node_id: str) -> dict:
    for test in result.tests:
        if test["node_id"] == node_id:
            return test
    raise AssertionError(f"{node_id} is not in the report\n" + result.describe())


def report_text(result, node_id: str) -> str:
    """Everything the JSON report says about one test: its reason and the text of each phase report."""
    test = entry_for(result, node_id)
    parts = [test.get("reason") or ""]
    for phase in test.get("reports") or []:
        parts.append(phase.get("longrepr") or "")
        parts.append(phase.get("message") or "")
        for sect in phase.get("sections") or []:
            parts.append(sect.get("content") or "")
    return "\n".join(parts)


def pids_logged(log: Path) -> dict:
    """{node ID: [pids that ran it, in order]} from "<pid> <node id>" lines."""
    ran: dict = {}
    if log.exists():
        for line in log.read_text().splitlines():
            pid, node_id = line.split(" ", 1)
            ran.setdefault(node_id, []).append(int(pid))
    return ran


def processes_in_group(pgid: int) -> list:
    """Live processes whose process group is `pgid`."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        # fields: state, ppid, pgrp, ...
        if fields[0] not in ("Z", "X") and int(fields[2]) == pgid:
            found.append(int(entry.name))
    return found


def assert_gone(pids, within: float, what: str = "processes") -> None:
    """Every pid in `pids` has exited within `within` seconds (zombies count as exited)."""
    pids = set(pids)
    wait_until(lambda: not [p for p in pids if is_alive(p)], within)
    alive = sorted(p for p in pids if is_alive(p))
    assert not alive, f"{what} still alive {within}s later: {alive}"


def assert_groups_empty(pgids, within: float) -> None:
    """No live process is left in any of the process groups `pgids`."""
    pgids = set(pgids)
    wait_until(lambda: not [g for g in pgids if processes_in_group(g)], within)
    left = {g: processes_in_group(g) for g in pgids if processes_in_group(g)}
    assert not left, f"processes left in the workers' process groups: {left}"


def read_pid(path: Path) -> int:
    return int(Path(path).read_text().strip())

#!/usr/bin/env python3
"""Times jackd against pytest and pytest-xdist on the test suites of real projects from PyPI (issues 6, 25).

The generated suites of the other scripts isolate one cost each; these are suites people run, from
their pinned source distributions (real_projects.py; needs PyPI: the first run downloads and installs
for a few minutes, later runs with the same --workdir reuse it). Three of them are CPU-bound suites of
issue 25: networkx (numpy, scipy), sqlglot (parsing) and sympy's core (symbolic).

For each project these run its tests, with the options listed for it: serial pytest; pytest-xdist at
-n N in its `load` and `loadfile` modes, and `loadfile` again with one BLAS/OpenMP thread per worker
(the thread-pool sizes jackd gives its workers by default); jackd's default on a first run (its
durations store, `<rootdir>/.jackd`, removed before each run) and on a second run (the store one
untimed run left, put back before each run), and `jackd --thread-limits off` on a first run. The store
conditions are not benchlib's cold and warm modes, which are about bytecode.

Every contender must end with the same counts and exit code as an untimed serial pytest run made first
(one attrs test fails under Python 3.11 in every runner), and every run writes --junitxml: its per-test
outcome map must equal that first run's. A jackd contender whose map differs where an xdist mode's
matches is flagged; a flagged contender makes the script exit 1. The table shows each contender's
wall time over serial pytest's and over the best correct xdist contender's, then issue 25's goals as
PASS or MISS lines, and, from jackd's --json-report, where a jackd run's time went.
"""

from __future__ import annotations

import argparse
import resource
import shutil
import statistics
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import benchlib as b
import jackd_breakdown
import outcome_map
from real_projects import PROJECTS, Project, prepare

# The counts every contender must repeat (pytest-xdist does not print pytest's "deselected").
COUNTED = ("passed", "failed", "error", "skipped", "xfailed", "xpassed")
# jackd's durations store, in the rootdir: the project's directory, where every run starts.
STORE = ".jackd"
# The thread pools of BLAS and OpenMP: one thread per worker, as jackd's --thread-limits auto gives two
# workers on two CPUs. Set for an xdist mode on every suite, not only the numeric ones: whether a suite
# loads a BLAS is not known from outside, and where none loads, the row costs only its time.
ONE_THREAD = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
# Issue 25's goals: jackd's default over the best correct xdist contender.
FIRST_RUN_GOAL = 0.9
SECOND_RUN_GOAL = 0.8


def children_cpu() -> float:
    """User and system CPU seconds of every process this script has waited for, with their own waited
    children: a run's engine or controller, its workers and their fork server."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


@dataclass
class Entry:
    """A contender and what its runs show besides the wall time: CPU, the outcome map, jackd's report."""

    contender: b.Contender
    kind: str  # "serial", "xdist" or "jackd"
    junit: Path
    reference: outcome_map.OutcomeMap
    report: Path | None = None  # jackd's --json-report
    cpu: dict[str, list[float]] = field(default_factory=lambda: {m: [] for m in b.MODES})
    differing: list[outcome_map.Difference] = field(default_factory=list)  # the first run that differed
    test_seconds: float | None = None  # the sum of test durations of the last run, from its JUnit file
    _cpu_before: float = 0.0

    def hook(self, store: Callable[[Path, str], None] | None) -> None:
        def before(suite: Path, mode: str) -> None:
            if store is not None:
                store(suite, mode)
            self._cpu_before = children_cpu()

        self.contender.before_run, self.contender.after_run = before, self.after

    def after(self, outcome: b.Outcome, mode: str) -> None:
        self.cpu[mode].append(children_cpu() - self._cpu_before)
        if not self.junit.exists():
            return  # a crash or timeout, which the summary check reports
        got, self.test_seconds = outcome_map.read(self.junit)
        self.junit.unlink()
        found = outcome_map.differences(self.reference, got)
        if found and not self.differing:
            self.differing = found

    def median_cpu(self, mode: str) -> float | None:
        # The timed runs are the last ones: warm mode's untimed warm-up run comes first.
        timed = self.cpu[mode][len(self.cpu[mode]) - len(self.contender.times[mode]):]
        return statistics.median(timed) if timed else None

    def correct(self) -> bool:
        return not self.contender.problems and not self.differing


# ------------------------------------------------------------------------------------------------
# The durations store's two conditions


def first_run_store(suite: Path, mode: str) -> None:
    shutil.rmtree(suite / STORE, ignore_errors=True)


def second_run_store(priming: b.Contender, kept: Path, timeout: float) -> Callable[[Path, str], None]:
    """Before each run, the store exactly as one untimed first run in this mode left it (made once
    per mode and kept aside), so every timed second run starts from the same history."""

    def prepare_store(suite: Path, mode: str) -> None:
        saved = kept / mode
        if not saved.exists():
            first_run_store(suite, mode)
            if mode == "cold":
                b.remove_bytecode(suite)
            primed = b.run_command(priming.argv, suite, b.environment(mode, priming.env), timeout)
            print(f"bench: {mode}: the second run's store left by an untimed first run ({primed.elapsed:.1f} s, "
                  f"exit {primed.returncode})", file=sys.stderr)
            if not (suite / STORE).is_dir():
                print(f"bench: warning: no {suite / STORE} after a jackd run: second runs start without one",
                      file=sys.stderr)
                saved.mkdir(parents=True)
            else:
                shutil.copytree(suite / STORE, saved)
        first_run_store(suite, mode)
        if any(saved.iterdir()):
            shutil.copytree(saved, suite / STORE)

    return prepare_store


# ------------------------------------------------------------------------------------------------
# Contenders


def reference_run(project: Project, source: Path, python: Path, reports: Path,
                  args: argparse.Namespace) -> tuple[dict[str, int], int, outcome_map.OutcomeMap]:
    """Serial pytest, untimed: the counts, exit code and per-test outcomes every contender must repeat."""
    junit = reports / "reference.xml"
    options = (*project.options, "-p", "no:cacheprovider", f"--junitxml={junit}", *project.tests)
    reference = b.run_command(b.pytest_argv(str(python), *options), source, b.environment("warm"), args.timeout)
    counts, line = b.summary_counts(reference.output)
    if reference.returncode not in (0, 1) or not counts.get("passed") or not junit.exists():
        sys.exit(f"bench: {project.name}: pytest's own run says {line!r} (exit {reference.returncode})")
    print(f"bench: {project.name}: pytest says {line!r}", file=sys.stderr)
    outcomes, _ = outcome_map.read(junit)
    return {k: v for k, v in counts.items() if k in COUNTED}, reference.returncode, outcomes


def contenders(project: Project, source: Path, python: Path, args: argparse.Namespace) -> list[Entry]:
    reports = args.workdir / "reports" / project.name
    shutil.rmtree(reports, ignore_errors=True)
    reports.mkdir(parents=True)
    expected, returncode, reference = reference_run(project, source, python, reports, args)
    w = str(args.workers)
    entries = []

    def add(name: str, kind: str, slug: str, argv: Callable[..., list[str]], *runner_options: str,
            env: dict[str, str] | None = None, store: Callable[[Path, str], None] | None = None) -> b.Contender:
        junit = reports / f"{slug}.xml"
        report = reports / f"{slug}.json" if kind == "jackd" else None
        own = (*runner_options, *(("--json-report", str(report)) if report else ()))
        options = (*own, *project.options, "-p", "no:cacheprovider", f"--junitxml={junit}", *project.tests)
        contender = b.Contender(name, argv(*options), expected, returncode, env=env or {})
        entry = Entry(contender, kind, junit, reference, report)
        entry.hook(store)
        entries.append(entry)
        return contender

    def pytest(*options: str) -> list[str]:
        return b.pytest_argv(str(python), *options)

    def jackd(*options: str) -> list[str]:
        return b.jackd_argv(args.jackd, str(python), args.workers, *options)

    add("pytest (serial)", "serial", "serial", pytest)
    add(f"pytest -n {w}", "xdist", "xdist-load", pytest, "-n", w)
    add(f"pytest -n {w} --dist loadfile", "xdist", "xdist-loadfile", pytest, "-n", w, "--dist", "loadfile")
    add(f"pytest -n {w} --dist loadfile, 1 BLAS thread", "xdist", "xdist-loadfile-1thread", pytest,
        "-n", w, "--dist", "loadfile", env=ONE_THREAD)
    add(f"jackd run -n {w}, first run", "jackd", "jackd-first", jackd, store=first_run_store)
    second = add(f"jackd run -n {w}, second run", "jackd", "jackd-second", jackd)
    # Its store comes from a run of its own command line, known only now.
    entries[-1].hook(second_run_store(second, reports / "store-after-one-run", args.timeout))
    add(f"jackd run -n {w} --thread-limits off, first run", "jackd", "jackd-threads-off", jackd,
        "--thread-limits", "off", store=first_run_store)
    return entries


def measure(project: Project, source: Path, python: Path, args: argparse.Namespace) -> list[Entry]:
    entries = contenders(project, source, python, args)
    timed = [e.contender for e in entries if e.kind != "jackd" or b.jackd_available(args.jackd)]
    b.time_contenders(timed, source, args.modes, args.repeat, args.timeout)
    return entries


# ------------------------------------------------------------------------------------------------
# Reporting


def best_xdist(entries: list[Entry], mode: str) -> Entry | None:
    """The fastest xdist contender that ended with serial pytest's counts and outcome map."""
    timed = [e for e in entries if e.kind == "xdist" and e.correct() and e.contender.median(mode) is not None]
    return min(timed, key=lambda e: e.contender.median(mode) or 0.0, default=None)


def best_seconds(entries: list[Entry], mode: str) -> float | None:
    best = best_xdist(entries, mode)
    return best.contender.median(mode) if best else None


def outcomes_cell(entry: Entry) -> str:
    if entry.differing:
        return f"{len(entry.differing)} differ"
    return "same" if any(entry.cpu[m] for m in b.MODES) else "pending"


def table(entries: list[Entry], args: argparse.Namespace) -> None:
    serial = entries[0].contender
    header = ["contender"]
    for mode in args.modes:
        header += [f"{mode} s", f"{mode} /serial", f"{mode} /best xdist", f"{mode} CPU s"]
    rows = []
    for e in entries:
        row = [e.contender.name]
        for mode in args.modes:
            wall = e.contender.median(mode)
            row += [b.seconds(wall), b.ratio(wall, serial.median(mode)),
                    b.ratio(wall, best_seconds(entries, mode)) if e.kind != "serial" else "-",
                    b.seconds(e.median_cpu(mode))]
        rows.append(row + [outcomes_cell(e), b.check_cell(e.contender, args.modes)])
    b.print_table([*header, "outcomes", "check"], rows, args.markdown)
    for mode in args.modes:
        best = best_xdist(entries, mode)
        print(f"best correct xdist ({mode}): {best.contender.name if best else 'none'}")


def check_outcome_maps(project: Project, entries: list[Entry]) -> bool:
    """Prints every contender whose outcome map differed from serial pytest's; flags (as a problem) a
    jackd contender whose map differs where an xdist contender's matches. True: jackd's maps match
    wherever xdist's do (issue 25's third goal)."""
    matching_xdist = [e for e in entries if e.kind == "xdist" and not e.differing and any(e.cpu.values())]
    met = True
    for e in entries:
        if not e.differing:
            continue
        what = "serial pytest's own runs differ (not deterministic)" if e.kind == "serial" else "differs"
        print(f"outcomes: {project.name}: {e.contender.name}: {what} from the untimed serial run in "
              f"{len(e.differing)} tests:\n{outcome_map.describe(e.differing)}")
        if e.kind == "jackd" and matching_xdist:
            met = False
            e.contender.problems.append(f"outcome map differs from serial pytest's in {len(e.differing)} tests, "
                                        f"where {matching_xdist[0].contender.name}'s matches it")
    return met


def targets(project: Project, entries: list[Entry], args: argparse.Namespace, outcomes_met: bool) -> None:
    named = {e.contender.name: e for e in entries}
    w = args.workers
    first, second = named[f"jackd run -n {w}, first run"], named[f"jackd run -n {w}, second run"]
    goals = []
    for mode in args.modes:
        baseline = best_seconds(entries, mode)
        goals += [b.Target(f"{project.name} ({mode} bytecode): jackd first run / best correct xdist",
                           first.contender.median(mode), baseline, FIRST_RUN_GOAL),
                  b.Target(f"{project.name} ({mode} bytecode): jackd second run / best correct xdist",
                           second.contender.median(mode), baseline, SECOND_RUN_GOAL)]
    b.print_targets(goals)
    print(f"target: {project.name}: jackd's outcome maps equal serial pytest's wherever xdist's do: "
          f"{'PASS' if outcomes_met else 'MISS'}")


def breakdown(entries: list[Entry], args: argparse.Namespace) -> None:
    """Where each jackd contender's last timed run spent its time, beside the other runners' sums of
    test durations (from their JUnit files)."""
    serial_seconds = entries[0].test_seconds
    rows = []
    for e in entries:
        if e.report is not None and e.report.exists():
            rows.append(jackd_breakdown.rows(e.contender.name, jackd_breakdown.read(e.report), serial_seconds))
        elif e.test_seconds is not None:
            over = b.ratio(e.test_seconds, serial_seconds) if e.kind != "serial" else "-"
            rows.append([e.contender.name, "-", f"{e.test_seconds:.1f}", over, *["-"] * 6])
    if rows:
        print("\nwhere the time went (each contender's last timed run):")
        b.print_table(jackd_breakdown.HEADER, rows, args.markdown)


def report(project: Project, entries: list[Entry], args: argparse.Namespace) -> None:
    counts = ", ".join(f"{v} {k}" for k, v in entries[0].contender.expected.items())
    print(f"\n{project.name} ({project.requirement}, {' '.join(project.tests)}: {counts})")
    outcomes_met = check_outcome_maps(project, entries)
    table(entries, args)
    targets(project, entries, args, outcomes_met)
    breakdown(entries, args)


NOTES = """\
(s: median wall seconds; /serial: over serial pytest's; /best xdist: over the fastest xdist contender
with serial pytest's counts and outcome map; CPU s: median user + system CPU of the run's processes;
outcomes: the per-test outcome map against an untimed serial run's; lower is better. First run: no
durations store; second run: the store one untimed first run left. cold/warm: bytecode, as benchlib says.
Where the time went, from jackd's --json-report: test s, the sum of setup + call + teardown (from JUnit
for pytest and xdist); busy, each worker's time inside tests; finish, when its last test stopped; first
test, when the first test started (after starting workers and collecting); tail, last finish minus first;
after last, from the last test's stop to the end of the run (workers finishing, the store, the reports).
Not in the report: the engine's and the fork server's CPU, collection on its own, module setup apart.)"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    b.add_common_args(parser, workers=2)
    parser.add_argument("--workdir", type=Path, default=Path.home() / ".cache" / "jackd-bench-real-suites",
                        help="where the venvs and the projects go; reused by later runs (default %(default)s)")
    parser.add_argument("--project", action="append", choices=[p.name for p in PROJECTS],
                        help="only this project (repeatable; default all)")
    args = b.finish_args(parser.parse_args())
    projects = tuple(p for p in PROJECTS if not args.project or p.name in args.project)
    args.workdir = args.workdir.resolve()
    args.workdir.mkdir(parents=True, exist_ok=True)
    prepared = prepare(args.workdir, args.python, projects)
    everyone = []
    for number, project in enumerate(projects):
        python, source = prepared[project.name]
        b.use_site_directories(str(python))
        if number == 0:
            b.print_header(f"real suites ({', '.join(p.name for p in projects)}), {args.workers} workers",
                           argparse.Namespace(**{**vars(args), "python": str(python)}))
        entries = measure(project, source, python, args)
        report(project, entries, args)
        everyone += [e.contender for e in entries]
    print(NOTES)
    return b.finish(everyone)


if __name__ == "__main__":
    sys.exit(main())

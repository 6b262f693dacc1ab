"""Configuration files: jackd.toml and pyproject.toml [tool.jackd] set the defaults of `jackd run`'s
options, the command line overrides them, `jackd config` shows where each value came from, and
`jackd --version` reports the versions the run would use."""
import json
import os
import re
import subprocess

import pytest

from jackd_e2e import RUN_TIMEOUT, clean_env

PYPROJECT_HEAD = '[project]\nname = "mixed"\nversion = "0"\n\n[tool.jackd]\n'


def write_pyproject(path, tool_jackd: str) -> int:
    """Writes pyproject.toml with `tool_jackd` under [tool.jackd]; returns the line of its first key."""
    (path / "pyproject.toml").write_text(PYPROJECT_HEAD + tool_jackd)
    return PYPROJECT_HEAD.count("\n") + 1


def jackd(jackd_bin, cwd, *args):
    return subprocess.run(
        [jackd_bin, *map(str, args)],
        cwd=cwd,
        env=clean_env(),
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT,
        stdin=subprocess.DEVNULL,
    )


def test_pyproject_sets_defaults_and_the_command_line_overrides_them(project, run_jackd):
    path = project("mixed")
    write_pyproject(path, 'workers = 1\ndist = "loadfile"\njson_report = "from-config.json"\n')
    configured = run_jackd(path, json_report=False)
    assert configured.rc == 1, configured.describe()  # the project has deliberate failures
    report = json.loads((path / "from-config.json").read_text())
    assert report["workers"] == 1, configured.describe()
    assert report["dist"] == "loadfile"
    assert {t["worker"] for t in report["tests"] if t["worker"]} == {"gw0"}

    overridden = run_jackd(path, "-n", "2", "--dist", "load")
    assert overridden.rc == 1, overridden.describe()
    assert overridden.report["workers"] == 2, overridden.describe()
    assert overridden.report["dist"] == "load"


def test_jackd_toml_in_a_parent_directory_and_the_conflict_with_pyproject(project, run_jackd, jackd_bin):
    path = project("mixed")
    (path.parent / "jackd.toml").write_text("# for every project below\nworkers = 1\n")
    result = run_jackd(path)
    assert result.report["workers"] == 1, result.describe()
    shown = jackd(jackd_bin, path, "config")
    assert shown.returncode == 0, shown.stderr
    assert re.search(r"^  workers +1 +\.\./jackd\.toml:2$", shown.stdout, re.M), shown.stdout

    # Both files in one directory: refused, naming both, before anything runs.
    (path / "jackd.toml").write_text("workers = 2\n")
    write_pyproject(path, "workers = 1\n")
    refused = run_jackd(path, json_report=False)
    assert refused.rc == 4, refused.describe()
    assert refused.stderr.strip().splitlines() == [
        "jackd: error: both jackd.toml and pyproject.toml [tool.jackd] configure jackd "
        "(keep one of them; jackd does not merge the two)"
    ]


def test_unknown_key_names_file_line_and_the_nearest_key(project, run_jackd):
    path = project("mixed")
    line = write_pyproject(path, "timeout = 30\nworkerz = 2\n") + 1
    result = run_jackd(path, json_report=False)
    assert result.rc == 4, result.describe()
    assert result.stderr.strip().splitlines() == [
        f"jackd: error: pyproject.toml:{line}: unknown key 'workerz' in [tool.jackd] (did you mean 'workers'?)"
    ], result.describe()
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        ('timeout = "soon"', "'timeout' must be a number, not a string (as for --timeout)"),
        ("fail_on_flaky = 1", "'fail_on_flaky' must be true or false, not an integer (as for --fail-on-flaky)"),
        ('dist = "sideways"', "bad value for 'dist': --dist: sideways not in "),
        ("reruns = -1", "bad value for 'reruns': --reruns: '-1' is negative (give 0 or more)"),
        ("max-worker-restart = 2", "unknown key 'max-worker-restart' in [tool.jackd] (keys are spelt with '_'"),
    ],
    ids=["type", "flag-type", "choice", "range", "dashes"],
)
def test_bad_values_are_one_line_usage_errors(project, jackd_bin, setting, message):
    path = project("empty")
    line = write_pyproject(path, setting + "\n")
    result = jackd(jackd_bin, path, "run")
    assert result.returncode == 4, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"jackd: error: pyproject.toml:{line}: {message}"), result.stderr


def test_config_shows_every_option_with_its_value_and_source(project, jackd_bin):
    path = project("empty")
    line = write_pyproject(path, "workers = 1\ntimeout = 5\ncov = [\"pkg\"]\n")
    result = jackd(jackd_bin, path, "config", "-n", "3", "--cov-branch", "-k", "slow")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert out.startswith("configuration: pyproject.toml [tool.jackd]\n"), out
    rows = {m.group(1): (m.group(2), m.group(3)) for m in re.finditer(r"^  (\w+) +(.+?) +(\S+(?: line)?)$", out, re.M)}
    assert rows["workers"] == ("3", "command line"), out
    assert rows["timeout"] == ("5", f"pyproject.toml:{line + 1}"), out
    assert rows["cov"] == ("pkg", f"pyproject.toml:{line + 2}"), out
    assert rows["cov_branch"] == ("true", "command line"), out
    assert rows["dist"] == ("load", "default"), out
    # Every run option is listed, grouped as in --help, and the columns line up.
    for key in ("dist_fallback", "max_worker_restart", "session_timeout", "reruns", "detect_flaky", "json_report",
                "log_level", "python", "cov_fail_under"):
        assert key in rows, key
    for group in ("Workers & scheduling:", "Timeouts & reliability:", "Reruns & flaky tests:", "Reports:",
                  "Coverage:", "Engine:"):
        assert f"\n{group}\n" in out, group
    option_lines = [l for l in out.splitlines() if l.startswith("  ")]
    source_columns = {l.rindex("  ") for l in option_lines}
    assert len(source_columns) == 1, out
    assert out.rstrip().endswith("pytest arguments: -k slow")


def test_help_lists_every_option_in_a_group(jackd_bin, tmp_path):
    result = jackd(jackd_bin, tmp_path, "run", "--help")
    assert result.returncode == 0
    for group in ("Workers & scheduling", "Timeouts & reliability", "Reruns & flaky tests", "Reports", "Coverage",
                  "Engine"):
        assert f"\n{group}:\n" in result.stdout, result.stdout
    assert "[tool.jackd]" in result.stdout


def test_version_reports_shim_pytest_and_python(jackd_bin, test_python, tmp_path):
    result = jackd(jackd_bin, tmp_path, "--version", "--python", test_python)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 4, result.stdout
    assert re.fullmatch(r"jackd \d+\.\d+\.\d+", lines[0])
    assert re.fullmatch(r"jackd-shim \d+\.\d+\.\d+ \(/.*jackd_shim\)", lines[1]), lines[1]
    assert re.fullmatch(r"pytest \d+\.\d+\.\d+\S*", lines[2]), lines[2]
    assert re.fullmatch(r"Python 3\.\d+\.\d+\S* \(/.+\)", lines[3]), lines[3]

    # The configured interpreter is the one reported.
    write_pyproject(tmp_path, f'python = "{test_python}"\n')
    configured = jackd(jackd_bin, tmp_path, "--version")
    assert configured.stdout == result.stdout


def test_version_says_what_is_missing_and_still_exits_0(jackd_bin, test_python, tmp_path):
    # The same interpreter without site-packages: neither pytest nor the shim can be imported.
    bare = tmp_path / "bare-python"
    bare.write_text(f'#!/bin/sh\nexec "{test_python}" -S "$@"\n')
    bare.chmod(0o755)
    result = jackd(jackd_bin, tmp_path, "--version", "--python", bare)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("jackd ")
    assert lines[1].startswith("jackd-shim: not importable in "), result.stdout
    assert lines[2].startswith("pytest: not importable in "), result.stdout
    assert lines[3].startswith("Python 3."), result.stdout

    missing = jackd(jackd_bin, tmp_path, "--version", "--python", tmp_path / "no-such-python")
    assert missing.returncode == 0
    assert missing.stdout.splitlines()[0].startswith("jackd ")
    assert "Python: not found" in missing.stdout

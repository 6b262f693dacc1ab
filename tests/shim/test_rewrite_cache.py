"""Assertion rewrites shared by the processes of a run (jackd_shim.rewrite_cache).

Real processes and real pytest: a module is rewritten once however many processes import it at the same
time, a process that finds the rewrite in the cache gets pytest's assertion messages without rewriting,
and a changed module or setting is rewritten again.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

# Runs in its own process: shares the rewrite of MODULE through CACHE with a stand-in for pytest's
# `_rewrite_test` that logs every call to CALLS, then runs the code it got and prints what it computed.
SHARED_REWRITE = textwrap.dedent("""
    import os, sys
    from pathlib import Path
    from jackd_shim.rewrite_cache import shared_rewrite

    module, cache, calls = map(Path, sys.argv[1:4])

    def rewrite_test(path, config):
        with open(calls, "a") as log:
            log.write(f"{os.getpid()}\\n")
        return "fingerprint", compile(path.read_bytes(), str(path), "exec")

    _, code = shared_rewrite(rewrite_test, cache, lambda path, source: "fingerprint", "9.9")(module, None)
    namespace = {}
    exec(code, namespace)
    print(namespace["ANSWER"])
""")


def _share(module: Path, cache: Path, calls: Path, processes: int) -> list[str]:
    """Starts `processes` processes at once on one module; returns what each printed."""
    running = [subprocess.Popen([sys.executable, "-c", SHARED_REWRITE, str(module), str(cache), str(calls)],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
               for _ in range(processes)]
    printed = []
    for process in running:
        out, err = process.communicate(timeout=120)
        assert process.returncode == 0, err
        printed.append(out.strip())
    return printed


def _calls(calls: Path) -> int:
    return len(calls.read_text().splitlines()) if calls.exists() else 0


def test_a_module_is_rewritten_once_however_many_processes_import_it(tmp_path: Path):
    module = tmp_path / "test_answer.py"
    module.write_text("ANSWER = 6 * 7\n")
    cache, calls = tmp_path / "cache", tmp_path / "calls"

    assert _share(module, cache, calls, processes=6) == ["42"] * 6
    assert _calls(calls) == 1

    module.write_text("ANSWER = 6 * 9\n")  # another module's bytes: rewritten anew, then shared again
    assert _share(module, cache, calls, processes=3) == ["54"] * 3
    assert _calls(calls) == 2


# A pytest run in its own process with the cache installed, as the shim's worker mode does. With
# --no-rewrite, pytest's own rewrite is made to fail first: the run only works from the cache.
PYTEST_RUN = textwrap.dedent("""
    import sys
    import pytest
    from _pytest.assertion import rewrite
    from jackd_shim import rewrite_cache

    if sys.argv[1] == "--no-rewrite":
        def refuse(path, config):
            raise AssertionError(f"pytest rewrote {path}")
        rewrite._rewrite_test = refuse
    assert rewrite_cache.install_from_environ()
    sys.exit(int(pytest.main(sys.argv[2:])))
""")


def _pytest(project: Path, cache: Path, *args: str, rewrite: bool = True) -> subprocess.CompletedProcess:
    # No setuptools plugins: the cache then holds the project's modules alone.
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1", "JACKD_REWRITE_CACHE": str(cache),
           "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}
    env.pop("PYTEST_ADDOPTS", None)
    return subprocess.run(
        [sys.executable, "-c", PYTEST_RUN, "--rewrite" if rewrite else "--no-rewrite", "-p", "no:cacheprovider",
         "-q", *args], cwd=project, env=env, capture_output=True, text=True, timeout=120)


def test_pytest_gets_its_assertion_messages_from_the_cache(tmp_path: Path):
    project = tmp_path / "project"
    project.mkdir()
    (project / "conftest.py").write_text(textwrap.dedent("""
        def check_total(values, expected):
            assert sum(values) == expected
    """))
    (project / "test_sums.py").write_text(textwrap.dedent("""
        from conftest import check_total

        def test_in_the_test():
            numbers = [1, 2]
            assert sum(numbers) == 4

        def test_in_the_conftest():
            check_total([3, 4], 8)
    """))
    cache = tmp_path / "cache"

    first = _pytest(project, cache, rewrite=True)
    assert first.returncode == 1, first.stdout + first.stderr
    entries = [entry for entry in cache.iterdir() if not entry.name.endswith(".lock")]
    assert len(entries) == 2, entries  # conftest.py and test_sums.py

    second = _pytest(project, cache, rewrite=False)
    assert second.returncode == 1, second.stdout + second.stderr
    assert "pytest rewrote" not in second.stdout + second.stderr
    # pytest's introspection, which only rewritten asserts give, in the test and in the conftest.
    assert "where 3 = sum([1, 2])" in second.stdout, second.stdout
    assert "where 7 = sum([3, 4])" in second.stdout, second.stdout
    assert "2 failed" in second.stdout
    # PYTHONDONTWRITEBYTECODE held: pytest wrote no pyc of its own into the project.
    assert not list(project.rglob("*.pyc"))


def test_the_assertion_pass_hook_setting_is_part_of_the_key(tmp_path: Path):
    project = tmp_path / "project"
    project.mkdir()
    (project / "test_one.py").write_text("def test_one():\n    assert 1\n")
    cache = tmp_path / "cache"

    assert _pytest(project, cache, rewrite=True).returncode == 0
    # Rewritten with the hook's calls, which the cached rewrite lacks: pytest must rewrite again.
    refused = _pytest(project, cache, "-o", "enable_assertion_pass_hook=true", rewrite=False)
    assert "pytest rewrote" in refused.stdout + refused.stderr
    assert _pytest(project, cache, "-o", "enable_assertion_pass_hook=true", rewrite=True).returncode == 0
    assert _pytest(project, cache, "-o", "enable_assertion_pass_hook=true", rewrite=False).returncode == 0

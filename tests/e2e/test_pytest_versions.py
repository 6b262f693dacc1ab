"""jackd with other pytest releases than .venv's: the oldest the shim accepts (pytest>=7) and the newest 8.x.

The shim reaches into pytest where it must (the collection cache, the basetemp's lock, assertion
rewriting), and those internals differ between releases: a change made and tested under pytest 9 once
broke every run under 7 and 8, and another lost tests under 8 only; and pytest's short summary, --tb=line,
JUnit messages and stepwise cache differ between releases. So each release gets a throwaway venv from
PyPI (pytest, grpcio, protobuf; the shim from this checkout through a .pth file, so that nothing is
written into the tree) and this directory's tests of split collection, basetemps, misbehaving tests,
warnings (the collect plugin's place among pytest's hook wrappers) and of those outputs run again with it
as the interpreter of jackd's workers and of plain pytest (JACKD_TEST_PYTHON); then tests/shim runs in
that pytest. Needs PyPI.
"""
import os
import subprocess
import sys
from pathlib import Path

import pytest

E2E_DIR = Path(__file__).resolve().parent
REPO = E2E_DIR.parents[1]
# id -> (requirement, the version it must give)
RELEASES = {"oldest": ("pytest==7.0.1", "7.0.1"), "newest-8": ("pytest>=8,<9", "8.")}
SELECTION = [
    "test_split_collection.py", "test_basetemp.py", "test_test_process_misbehaviour.py", "test_warnings.py",
    # What pytest prints and caches differently from one release to the next.
    "test_report.py::test_tb_line_equals_pytests", "test_report.py::test_short_summary_honours_report_chars",
    "test_report.py::test_xfail_summary_names_the_phase_as_pytest_does",
    "test_junit.py::test_junit_matches_pytests", "test_stepwise.py",
    "test_broken_environments.py::test_plugin_that_fails_at_import",
]
INSTALL_TIMEOUT = 300  # seconds; grpcio is a wheel of a few MB
RUN_TIMEOUT = 600


def make_venv(directory: Path, requirement: str) -> Path:
    subprocess.run([sys.executable, "-m", "venv", str(directory)], check=True, timeout=INSTALL_TIMEOUT)
    python = directory / "bin" / "python"
    installed = subprocess.run(
        [str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check", requirement, "grpcio", "protobuf"],
        capture_output=True, text=True, timeout=INSTALL_TIMEOUT)
    assert installed.returncode == 0, installed.stdout + installed.stderr
    site_packages = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True, text=True, check=True).stdout.strip()
    (Path(site_packages) / "jackd_shim_checkout.pth").write_text(f"{REPO / 'worker_shim'}\n")
    return python


@pytest.mark.parametrize("requirement, expected", RELEASES.values(), ids=RELEASES.keys())
def test_end_to_end_and_shim_tests_pass_under_other_pytest_releases(tmp_path, requirement, expected):
    python = make_venv(tmp_path / "venv", requirement)
    version = subprocess.run([str(python), "-c", "import pytest; print(pytest.__version__)"],
                             capture_output=True, text=True, check=True).stdout.strip()
    assert version.startswith(expected), version
    env = {key: value for key, value in os.environ.items() if not key.startswith(("PYTEST_", "JACKD_"))}
    env["JACKD_TEST_PYTHON"] = str(python)
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--basetemp", str(tmp_path / "runs"),
         *[str(E2E_DIR / name) for name in SELECTION]],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=RUN_TIMEOUT)
    assert result.returncode == 0, f"pytest {version}:\n{result.stdout[-8000:]}\n{result.stderr[-2000:]}"
    assert " passed" in result.stdout.splitlines()[-1], result.stdout[-2000:]
    # The shim's own tests, in that release's pytest (the protobuf check makes venvs of its own).
    shim = subprocess.run(
        [str(python), "-m", "pytest", "-q", "-p", "no:cacheprovider", "--basetemp", str(tmp_path / "shim"),
         str(REPO / "tests" / "shim"), "--ignore", str(REPO / "tests" / "shim" / "test_protobuf_versions.py")],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=RUN_TIMEOUT)
    assert shim.returncode == 0, f"pytest {version}:\n{shim.stdout[-8000:]}\n{shim.stderr[-2000:]}"
    assert " passed" in shim.stdout.splitlines()[-1], shim.stdout[-2000:]

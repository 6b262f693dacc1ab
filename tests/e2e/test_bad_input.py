"""Bad input gets one `jackd: error: <what> (<hint>)` line: no engine traceback, no hang, no orphan.

(Hangs and orphans are checked by the harness on every run: see JackdProcess.wait.)
"""
import os
import subprocess
import sys
from pathlib import Path

import pytest

from jackd_e2e import assert_no_engine_noise, assert_one_line_error, clean_env


def test_unknown_pytest_option(project, run_jackd):
    result = run_jackd(project("mixed"), "--no-such-option")
    assert result.rc == 4, result.describe()
    assert_one_line_error(result)
    # The option is named on stderr: in the error line or in pytest's own usage message above it.
    assert "--no-such-option" in result.stderr, result.describe()
    assert_no_engine_noise(result)


def test_the_terminal_plugin_blocked(project, run_jackd):
    # jackd's report reads the terminal plugin's options; without the plugin the shim used to crash
    # with an AttributeError traceback.
    result = run_jackd(project("mixed"), "-p", "no:terminal")
    assert result.rc == 4, result.describe()
    assert_one_line_error(result, "-p no:terminal is not supported")
    assert "Traceback" not in result.output, result.describe()
    assert_no_engine_noise(result)


def test_missing_path(project, run_jackd):
    result = run_jackd(project("mixed"), "no_such_dir/test_nothing.py")
    assert result.rc == 4, result.describe()
    assert_one_line_error(result, "no_such_dir/test_nothing.py")
    assert_no_engine_noise(result)


def test_python_that_does_not_exist(project, run_jackd, tmp_path):
    missing = tmp_path / "no-such-python"
    result = run_jackd(project("mixed"), python=missing)
    assert result.rc == 4, result.describe()
    assert_one_line_error(result, str(missing))
    assert_no_engine_noise(result)


def test_python_that_is_not_executable(project, run_jackd, tmp_path):
    fake = tmp_path / "python"
    fake.write_text("this is not an interpreter\n")
    fake.chmod(0o644)
    result = run_jackd(project("mixed"), python=fake)
    assert result.rc == 4, result.describe()
    assert_one_line_error(result, str(fake))
    assert_no_engine_noise(result)


def _base_python(test_python: str) -> str:
    """The interpreter the test venv was made from (a venv made with --without-pip has no packages)."""
    out = subprocess.run(
        [test_python, "-c", "import sys; print(sys._base_executable)"], capture_output=True, text=True, check=True
    )
    return out.stdout.strip() or sys.executable


def _bare_venv(test_python: str, where: Path) -> Path:
    subprocess.run([_base_python(test_python), "-m", "venv", "--without-pip", str(where)], check=True)
    return where / "bin" / "python"


def _imports(python: Path, module: str) -> bool:
    probe = f"import importlib.util, sys; sys.exit(0 if importlib.util.find_spec({module!r}) else 1)"
    return subprocess.run([str(python), "-c", probe], env=clean_env(), capture_output=True).returncode == 0


def test_python_without_any_of_the_packages(project, run_jackd, test_python, tmp_path):
    python = _bare_venv(test_python, tmp_path / "bare-venv")
    assert not _imports(python, "grpc") and not _imports(python, "jackd_shim"), "the bare venv is not bare"
    result = run_jackd(project("mixed"), python=python)
    assert result.rc == 4, result.describe()
    line = assert_one_line_error(result, "jackd_shim")
    assert "grpc" in line, f"the error line does not name grpc(io): {line!r}"
    assert "install" in line, f"the error line gives no fix: {line!r}"
    assert_no_engine_noise(result)


def test_python_with_pytest_and_grpc_but_without_the_shim(project, run_jackd, test_python, tmp_path):
    # A venv that sees the test venv's packages through a .pth file, minus jackd_shim: the shim is
    # installed editable there, and the editable finder lives in a .pth file that a .pth path line does
    # not process. The directory of symlinks below also leaves out a non-editable jackd_shim.
    python = _bare_venv(test_python, tmp_path / "no-shim-venv")
    site_dirs = subprocess.run(
        [test_python, "-c", "import site; print('\\n'.join(site.getsitepackages()))"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    shadow = tmp_path / "site-without-shim"
    shadow.mkdir()
    for site_dir in map(Path, site_dirs):
        if not site_dir.is_dir():
            continue
        for entry in site_dir.iterdir():
            lowered = entry.name.lower()
            if "jackd" in lowered or lowered.startswith("__editable__") or lowered.endswith(".pth"):
                continue
            if not (shadow / entry.name).exists():
                (shadow / entry.name).symlink_to(entry)
    own_site = subprocess.run(
        [str(python), "-c", "import site; print(site.getsitepackages()[0])"], capture_output=True, text=True, check=True
    ).stdout.strip()
    Path(own_site, "e2e-test-packages.pth").write_text(f"{shadow}\n")
    assert _imports(python, "pytest") and _imports(python, "grpc"), "the venv should see pytest and grpc"
    assert not _imports(python, "jackd_shim"), "the venv should not see jackd_shim"

    result = run_jackd(project("mixed"), python=python)
    assert result.rc == 4, result.describe()
    line = assert_one_line_error(result, "jackd_shim")
    assert "grpc" not in line.split("(")[0], f"grpc is installed, yet the error names it: {line!r}"
    assert "install" in line, f"the error line gives no fix: {line!r}"
    assert_no_engine_noise(result)


def test_broken_conftest_shows_the_users_error_once(project, run_jackd):
    result = run_jackd(project("broken_conftest"))
    assert result.rc == 4, result.describe()
    assert "e2e broken conftest marker" in result.output, result.describe()
    assert_one_line_error(result)
    assert_no_engine_noise(result, allow_user_traceback=True)


def test_collection_error_gets_an_error_line(project, run_jackd):
    result = run_jackd(project("collection_error"))
    assert result.rc == 2, result.describe()
    assert_one_line_error(result)
    assert_no_engine_noise(result)


@pytest.mark.parametrize("how", ["exit", "raise"])
def test_worker_that_dies_on_import(project, run_jackd, how):
    # The conftest loads fine in the collection process and kills (or breaks) every worker.
    result = run_jackd(project("pids"), "-n", "2", env={"E2E_DIE_IN_WORKER": how})
    assert result.rc not in (0, 5), result.describe()
    assert result.rc in (1, 2, 3), result.describe()
    assert_one_line_error(result)
    assert_no_engine_noise(result, allow_user_traceback=how == "raise")
    if result.report is not None:
        assert not [t for t in result.report["tests"] if t["outcome"] == "passed"], result.describe()


@pytest.mark.parametrize(
    "args, mention",
    [
        (["-n", "banana"], "banana"),
        (["--numprocesses=many"], "many"),
        (["--dist", "no-such-mode"], "no-such-mode"),
        (["--log-level", "chatty"], "chatty"),
    ],
    ids=["n-word", "n-equals", "dist", "log-level"],
)
def test_bad_jackd_option_value(project, run_jackd, args, mention):
    result = run_jackd(project("mixed"), *args)
    assert result.rc == 4, result.describe()
    assert_one_line_error(result, mention)
    assert_no_engine_noise(result)


def test_version(jackd_bin):
    proc = subprocess.run([jackd_bin, "--version"], capture_output=True, text=True, timeout=30, env=clean_env())
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "jackd" in proc.stdout and any(ch.isdigit() for ch in proc.stdout), proc.stdout


def test_unknown_subcommand(jackd_bin, tmp_path):
    proc = subprocess.run(
        [jackd_bin, "frobnicate"], capture_output=True, text=True, timeout=30, env=clean_env(), cwd=tmp_path
    )
    assert proc.returncode == 4, proc.stdout + proc.stderr
    errors = [line for line in proc.stderr.splitlines() if line.startswith("jackd: error:")]
    assert len(errors) == 1 and "frobnicate" in errors[0], proc.stderr


def test_default_interpreter_is_the_active_venv(project, start_jackd, test_python):
    # No --python: an activated venv (VIRTUAL_ENV, its bin first on PATH) is what a user expects jackd to use.
    venv = Path(test_python).parent.parent
    env = {"VIRTUAL_ENV": str(venv), "PATH": f"{venv / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}"}
    result = start_jackd(project("fixture_counts"), env=env, python=None).wait()
    assert result.rc == 0, result.describe()

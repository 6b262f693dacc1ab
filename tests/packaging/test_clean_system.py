"""The wheel for PyPI (`./dev wheel`) installs and runs on a Debian root that never saw a compiler.

One test, because it is one user story: build the wheel as a release would (`./dev wheel` packs the static
engine of `./dev build`), check what auditwheel made of it, then let check_clean_system.sh install it into
a fresh debootstrap root and run the demo. About a minute, most of it debootstrap; needs root, Debian's
archive and PyPI, as CI has.
"""

import subprocess
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
CHECK = Path(__file__).with_name("check_clean_system.sh")


def build_wheel() -> Path:
    result = subprocess.run([str(REPO / "dev"), "wheel"], cwd=REPO, capture_output=True, text=True, timeout=1500)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return REPO / result.stdout.strip().splitlines()[-1]


def test_the_pypi_wheel_installs_and_runs_on_a_clean_debian():
    wheel = build_wheel()
    # The tag auditwheel grants: glibc 2.34 at most, so Ubuntu 22.04 and RHEL 9 can install it.
    assert wheel.name.startswith("jackd-") and wheel.name.endswith("-py3-none-manylinux_2_34_x86_64.whl"), wheel
    names = zipfile.ZipFile(wheel).namelist()
    engine = next(n for n in names if n.endswith(".data/scripts/jackd"))
    assert {"jackd/__main__.py", "jackd_shim/worker_plugin.py"} <= set(names)
    assert not [n for n in names if ".libs/" in n], "auditwheel had to copy shared libraries in"
    # Stripped, with its debug info kept apart beside the wheel.
    assert zipfile.ZipFile(wheel).getinfo(engine).file_size < 40_000_000
    debug = wheel.with_name(wheel.name.split("-py3-")[0] + ".debug")
    assert debug.stat().st_size > 10_000_000

    result = subprocess.run(["bash", str(CHECK), str(wheel)], capture_output=True, text=True, timeout=900)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-6000:]
    assert "libgrpc" not in output and "libstdc++" not in output
    assert "1 failed, 46 passed, 1 skipped, 1 xfailed" in output
    # jackd as a tool: the project's venv (pytest 8 only) got jackd's shim and kept its own pytest.
    assert "jackd-shim 0.1.0 (/opt/venv/lib/python3" in output and "pytest 8.4.2" in output
    assert "the project's venv ran the demo with jackd's shim and its own pytest" in output

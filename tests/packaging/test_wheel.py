"""`pip install .` puts a working jackd, with the shim, on a fresh venv's PATH: runs check_wheel.sh, which
builds the wheel from scratch and runs the demo suite with it."""

import subprocess
from pathlib import Path

SCRIPT = Path(__file__).with_name("check_wheel.sh")


def test_pip_install_gives_a_working_jackd():
    result = subprocess.run(["bash", str(SCRIPT)], capture_output=True, text=True, timeout=1200)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    assert "jackd 0.1.0" in result.stdout

"""`pip install` of the source distribution puts a working jackd, with the shim, on a fresh venv's PATH:
runs check_sdist.sh, which makes the sdist, builds the engine from it and runs the demo suite with it."""

import subprocess
from pathlib import Path

SCRIPT = Path(__file__).with_name("check_sdist.sh")


def test_the_source_distribution_builds_and_runs():
    result = subprocess.run(["bash", str(SCRIPT)], capture_output=True, text=True, timeout=1200)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    assert "jackd 0.1.0" in result.stdout

"""The shim's generated code works with the oldest and newest protobuf runtimes jackd claims (4.21 and
7.x): runs check_protobuf_versions.sh, which builds a throwaway venv per runtime from PyPI."""

import os
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).with_name("check_protobuf_versions.sh")


def test_generated_code_works_with_oldest_and_newest_protobuf():
    result = subprocess.run(
        ["bash", str(SCRIPT)],
        env={**os.environ, "PYTHON": sys.executable},
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    assert "4.21.12" in result.stdout + result.stderr

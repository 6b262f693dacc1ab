"""The deploy/ examples stay well-formed: the Kubernetes manifest parses and runs the documented worker
command, and the Slurm batch script is valid bash."""
import shutil
import subprocess
from pathlib import Path

import pytest

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"


def test_kubernetes_job_parses_and_runs_jackd_worker():
    yaml = pytest.importorskip("yaml", reason="PyYAML is not installed in this environment")
    job = yaml.safe_load((DEPLOY / "kubernetes" / "jackd-workers-job.yaml").read_text())
    assert job["kind"] == "Job" and job["apiVersion"] == "batch/v1"
    pod = job["spec"]["template"]["spec"]
    (worker,) = pod["containers"]
    command = worker["command"]
    assert command[:4] == ["jackd", "worker", "--connect", "$(ENGINE):7000"]
    assert command[command.index("--token-file") + 1] == "/secrets/token"
    assert command[command.index("--tls-ca") + 1] == "/secrets/ca.pem"
    assert {m["mountPath"] for m in worker["volumeMounts"]} == {"/workspace", "/secrets"}
    secrets = next(v for v in pod["volumes"] if v["name"] == "secrets")
    assert secrets["secret"]["secretName"] == "jackd-worker-secrets"


def test_slurm_script_is_valid_bash_and_sruns_jackd_worker():
    bash = shutil.which("bash")
    if bash is None:
        pytest.skip("no bash")
    script = DEPLOY / "slurm" / "jackd-workers.sbatch"
    checked = subprocess.run([bash, "-n", str(script)], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stderr
    text = script.read_text()
    assert "srun --ntasks-per-node=1" in text and "jackd worker --connect" in text

"""The prepared GPU check (benchmarks/gpu_check.py) runs end to end with the CPU in the GPU's
place, so that it works the day a GPU machine runs it."""

import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).parents[1] / "benchmarks" / "gpu_check.py"


@pytest.mark.slow
def test_the_gpu_check_runs_every_step_on_the_cpu():
    run = subprocess.run(
        [sys.executable, str(SCRIPT), *"--device cpu --rows 600 --epochs 1 --toy-rows 200".split()],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    # On one device the two fits of each estimator are the same fit: identical codes.
    assert "codes: PASS (smallest correlation 1.0000" in run.stdout
    assert "saved on cpu, loaded on cpu: PASS" in run.stdout
    assert "speed:" in run.stdout
    assert "bf16 via Accelerate on cpu: PASS" in run.stdout


def test_the_gpu_check_refuses_a_missing_gpu_with_a_message():
    import torch

    if torch.cuda.is_available():
        pytest.skip("a GPU is visible: the refusal cannot be observed")
    run = subprocess.run(
        [sys.executable, str(SCRIPT), "--device", "cuda"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert run.returncode != 0
    assert "torch sees no CUDA device" in run.stderr

"""``python -m sklearn_neuron``, the main job, as a user runs it."""

import subprocess
import sys


def test_main_job_prints_the_comparison_and_the_epoch_table(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "sklearn_neuron"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    for model in ["learning_rule='sigmoid'", "learning_rule='perceptron'", "LogisticRegression"]:
        row = next(line for line in lines if model in line)
        accuracy = float(row.split()[-3])
        assert 0.9 < accuracy <= 1.0
    epochs = lines[lines.index(next(x for x in lines if "mistakes per epoch" in x)) + 1]
    assert all(count.isdigit() for count in epochs.split())

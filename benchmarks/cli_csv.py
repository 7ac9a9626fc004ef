"""The command line on a large CSV file, against the shortest script that does the same work.

Writes a numeric CSV file (``--rows`` × ``--features`` and a label column;
1,000,000 × 20 by default, about 400 MB), then runs, alternately and each in a
fresh process:

* ``cli``: ``python -m sklearn_neuron --csv FILE --target label``;
* ``script``: ``pandas.read_csv`` and ``cross_validate`` of the same four
  models in the same ``StandardScaler`` pipeline, with the same folds, the same
  scores and the same thread limit (one BLAS thread), and nothing else.

For each it reports the wall time, the peak resident memory of the process
(``ru_maxrss`` from ``os.wait4``) and, for the command line, when its first
progress line reached stderr. The command line does a little more than the
script: the perceptron rule's epoch table, one online fit on all rows.

    python benchmarks/cli_csv.py --repeats 3
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SCRIPT = """
import sys
import pandas
from sklearn.linear_model import LogisticRegression, Perceptron
from sklearn.model_selection import StratifiedKFold, cross_validate
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits
from sklearn_neuron import NeuronClassifier

table = pandas.read_csv(sys.argv[1])
X, y = table.drop(columns="label").to_numpy(dtype=float), table["label"].to_numpy()
del table
cv = StratifiedKFold(5, shuffle=True, random_state=0)
models = [NeuronClassifier(learning_rule="sigmoid"), NeuronClassifier(learning_rule="perceptron"),
          LogisticRegression(), Perceptron()]
with threadpool_limits(limits=1):
    for model in models:
        scoring = ["accuracy", "neg_log_loss"] if hasattr(model, "predict_proba") else ["accuracy"]
        scores = cross_validate(make_pipeline(StandardScaler(), model), X, y, cv=cv,
                                scoring=scoring)
        print(model, scores["test_accuracy"].mean())
"""


def write_csv(path, rows, features):
    """A make_classification data set as CSV, written in chunks."""
    import numpy as np
    from sklearn.datasets import make_classification

    X, y = make_classification(rows, features, n_informative=features // 2, random_state=0)
    header = ",".join([*(f"x{i}" for i in range(features)), "label"])
    with open(path, "w") as file:
        file.write(header + "\n")
        for start in range(0, rows, 100_000):
            block = np.column_stack([X[start : start + 100_000], y[start : start + 100_000]])
            np.savetxt(file, block, delimiter=",", fmt=["%.6g"] * features + ["%d"])


def measure(command):
    """Wall seconds, peak resident MB, seconds to the first stderr line."""
    start = time.perf_counter()
    process = subprocess.Popen(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    first_line = process.stderr.readline()
    first = time.perf_counter() - start if first_line else None
    process.stderr.read()
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    if status != 0:
        raise RuntimeError(f"{command} failed: {first_line}")
    return wall, usage.ru_maxrss / 1024, first


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--features", type=int, default=20)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--file", help="reuse (or write) the CSV file here")
    arguments = parser.parse_args()
    folder = tempfile.TemporaryDirectory()
    path = Path(arguments.file or Path(folder.name) / "large.csv")
    if not path.exists():
        write_csv(path, arguments.rows, arguments.features)
    print(f"{path}: {path.stat().st_size / 1e6:.0f} MB, {arguments.rows} rows")
    commands = {
        "cli": [sys.executable, "-m", "sklearn_neuron", "--csv", str(path), "--target", "label"],
        "script": [sys.executable, "-c", SCRIPT, str(path)],
    }
    results = {name: [] for name in commands}
    for repeat in range(arguments.repeats):
        for name, command in commands.items():  # interleaved: both see the same machine load
            results[name].append(measure(command))
            wall, memory, first = results[name][-1]
            shown = f", first progress line after {first:.1f} s" if name == "cli" else ""
            print(f"repeat {repeat + 1} {name:<7} {wall:7.1f} s {memory:7.0f} MB{shown}")
    for name, runs in results.items():
        wall, memory = (statistics.median(run[i] for run in runs) for i in (0, 1))
        print(f"median  {name:<7} {wall:7.1f} s {memory:7.0f} MB")
    pairs = zip(results["cli"], results["script"], strict=True)
    ratios = [cli[0] / script[0] for cli, script in pairs]
    print(f"wall time, cli / script: median {statistics.median(ratios):.2f} "
          f"(each repeat: {', '.join(f'{r:.2f}' for r in ratios)})")  # fmt: skip


if __name__ == "__main__":
    main()

"""The price of a fresh process: what scikit-learn's users pay in every script and worker.

Two measurements, each in fresh Python processes:

* the main job of a short script, ``import``, fit standardised breast cancer,
  ``predict_proba``, with ``NeuronClassifier`` and with
  ``LogisticRegression``: wall time and peak resident memory of the whole
  process, in pairs run back to back (the order alternating), medians over the
  pairs;
* the first fit on each kind of input (float32, CSR, a read-only memmap,
  online, the perceptron rule, three classes) against the second fit of the
  same kind in the same process: what the first one costs on top.

    python benchmarks/cold_start.py [--repeats 15]
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time

import numpy as np

MAIN_JOB = """
from sklearn.datasets import load_breast_cancer
from sklearn.preprocessing import StandardScaler
{import_line}
X, y = load_breast_cancer(return_X_y=True)
X = StandardScaler().fit_transform(X)
{estimator}.fit(X, y).predict_proba(X)
"""
ESTIMATORS = {
    "NeuronClassifier": ("from sklearn_neuron import NeuronClassifier", "NeuronClassifier()"),
    "LogisticRegression": (
        "from sklearn.linear_model import LogisticRegression",
        "LogisticRegression()",
    ),
}

FIRST_AND_SECOND_FIT = """
import json, sys, time
import numpy as np
import scipy.sparse as sp
from sklearn.datasets import make_classification
from sklearn_neuron import NeuronClassifier

kind = sys.argv[1]
X, y = make_classification(2000, 20, n_informative=10, n_classes=3 if kind == "3 classes" else 2,
                           random_state=0)
options = {}
if kind == "float32":
    X = X.astype(np.float32)
elif kind == "CSR":
    X = sp.csr_matrix(X)
elif kind == "read-only memmap":
    np.save(sys.argv[2], X)
    X = np.load(sys.argv[2], mmap_mode="r")
elif kind == "online":
    options = {"batch_size": 1}
elif kind == "perceptron":
    options = {"learning_rule": "perceptron"}
times = []
for _ in range(2):
    start = time.perf_counter()
    NeuronClassifier(random_state=0, **options).fit(X, y)
    times.append(time.perf_counter() - start)
print(json.dumps(times))
"""
KINDS = ["dense", "float32", "CSR", "read-only memmap", "online", "perceptron", "3 classes"]


def run_fresh(code, *arguments):
    """Wall seconds and peak resident MiB of a fresh interpreter running ``code``."""
    start = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-c", code, *arguments], stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - start
    output, errors = process.communicate()
    if status != 0:
        raise RuntimeError(errors.decode())
    return seconds, usage.ru_maxrss / 1024, output.decode()  # ru_maxrss is in KiB on Linux


def main_job(repeats):
    scripts = {
        name: MAIN_JOB.format(import_line=line, estimator=estimator)
        for name, (line, estimator) in ESTIMATORS.items()
    }
    runs = {name: [] for name in scripts}
    for repeat in range(repeats):
        order = list(scripts) if repeat % 2 == 0 else list(reversed(scripts))
        for name in order:
            runs[name].append(run_fresh(scripts[name])[:2])
    ours, theirs = (np.array(runs[name]) for name in ESTIMATORS)
    print(f"Fresh process: import, fit standardised breast cancer, predict_proba ({repeats} pairs)")
    for name, values in zip(ESTIMATORS, [ours, theirs], strict=True):
        seconds, memory = np.median(values, axis=0)
        print(f"  {name:<20} {seconds:6.3f} s  {memory:6.1f} MiB peak")
    print(
        f"  time ratio, median of pairs: {np.median(ours[:, 0] / theirs[:, 0]):.3f}; "
        f"memory difference: {np.median(ours[:, 1] - theirs[:, 1]):+.1f} MiB"
    )


def first_fits(repeats):
    print("First fit of a kind of input in a fresh process, less the second fit of it")
    with tempfile.TemporaryDirectory() as folder:
        for kind in KINDS:
            extra = []
            for _ in range(repeats):
                output = run_fresh(FIRST_AND_SECOND_FIT, kind, os.path.join(folder, "X.npy"))[2]
                first, second = map(float, output.strip()[1:-1].split(","))
                extra.append(first - second)
            print(f"  {kind:<18} {np.median(extra) * 1000:7.1f} ms")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=15)
    args = parser.parse_args()
    main_job(args.repeats)
    first_fits(max(3, args.repeats // 3))

"""Where should ``batch_size="auto"`` switch from the full batch to online learning?

For growing training sets (standardised ``make_classification``, 40 features, 20
informative; or, with ``--sparse``, text-like CSR data with 2**18 hashed
features from ``speed.py``), fits each learning rule on the full batch and
online, and prints the median fit time of 3 runs and the accuracy on 20,000
held-out samples.

    python benchmarks/auto_batch_size.py [--sparse]
"""

import argparse
import time
import warnings

import numpy as np
from sklearn.datasets import make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.preprocessing import StandardScaler

from sklearn_neuron import NeuronClassifier

SIZES = [2_000, 10_000, 20_000, 50_000, 100_000, 300_000]
SPARSE_SIZES = [300, 1_000, 2_000, 5_000, 10_000, 30_000]
HELD_OUT = 20_000


def median_fit(model, X, y, repeats=3):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        model.fit(X, y)
        times.append(time.perf_counter() - start)
    return np.median(times), model


def data(n, sparse):
    if sparse:
        from speed import sparse_text_data

        return sparse_text_data(n + HELD_OUT)
    X, y = make_classification(n + HELD_OUT, 40, n_informative=20, random_state=0)
    return StandardScaler().fit_transform(X), y


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sparse", action="store_true", help="text-like sparse data")
    args = parser.parse_args()
    warnings.filterwarnings("ignore", category=ConvergenceWarning)
    NeuronClassifier(batch_size=1).fit([[0.0], [1.0]], [0, 1])  # compile before timing
    print(f"{'n':>8} {'rule':<11}{'full batch':>28}{'online':>28}")
    for n in SPARSE_SIZES if args.sparse else SIZES:
        X, y = data(n, args.sparse)
        X_train, y_train, X_test, y_test = X[:n], y[:n], X[n:], y[n:]
        for rule in ["sigmoid", "perceptron"]:
            cells = []
            for batch_size in [n, 1]:
                model = NeuronClassifier(learning_rule=rule, batch_size=batch_size, random_state=0)
                seconds, model = median_fit(model, X_train, y_train)
                accuracy = model.score(X_test, y_test)
                cells.append(f"{1000 * seconds:8.1f} ms  acc {accuracy:.4f}")
            print(f"{n:>8} {rule:<11}{cells[0]:>28}{cells[1]:>28}")


if __name__ == "__main__":
    main()

"""Speed against scikit-learn's linear classifiers, and against the memory-bandwidth floor.

Every figure comes from this one run, peers and ours side by side: the median
of ``--repeats`` warm runs (after one untimed run that also compiles our
kernels), on these data sets:

* dense binary: 300,000 × 40, standardised;
* dense multi-class: 80,000 × 100, 5 classes, standardised;
* sparse text-like: 100,000 rows, 2**18 hashed features, ~100 non-zeros a row;
* scikit-learn's bundled breast cancer and digits data, standardised.

Columns: fit and predict seconds, test accuracy and log-loss, the peak memory
that fit allocates (tracemalloc, in a separate untimed run), and fit time over
that of the peer named in the ratio column. A fit slower than 10 s is timed
once (the warm-up) and marked "(once)" instead of its memory. After the table: the floor (one
pass of ``X @ coef_.T`` over the training data) against one epoch of each of
our rules, online and in full batch (fits of 6 epochs less fits of 3); predict
against the bare product; all of a rule's timed in the same rounds, in turn. The cold start in fresh
processes is benchmarks/cold_start.py's.

    python benchmarks/speed.py [--repeats 3] [--quick]
"""

import argparse
import os
import platform
import time
import tracemalloc
import warnings

import numpy as np
import scipy.sparse as sp
from sklearn.datasets import load_breast_cancer, load_digits, make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression, Perceptron, SGDClassifier
from sklearn.metrics import accuracy_score, log_loss
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier
from sklearn.preprocessing import StandardScaler

from sklearn_neuron import NeuronClassifier


def dense_data(n_samples, n_features, n_classes, seed):
    X, y = make_classification(
        n_samples, n_features, n_informative=n_features // 2, n_classes=n_classes,
        flip_y=0.05, random_state=seed,
    )  # fmt: skip
    return StandardScaler().fit_transform(X), y


def sparse_text_data(n_samples, n_features=2**18, nonzeros=100, seed=0):
    """Hashed bag-of-words: ~``nonzeros`` word counts a row; the label follows the words."""
    rng = np.random.default_rng(seed)
    word_weights = rng.normal(size=n_features)
    rows = np.repeat(np.arange(n_samples), nonzeros)
    # Zipf-like word frequencies, as in text
    words = (rng.zipf(1.3, size=n_samples * nonzeros) * 2654435761) % n_features
    counts = rng.integers(1, 4, size=n_samples * nonzeros).astype(np.float64)
    X = sp.csr_matrix((counts, (rows, words)), shape=(n_samples, n_features))
    X.sum_duplicates()
    # tf scaling keeps row norms alike, as a TfidfVectorizer would
    X = sp.csr_matrix(sp.diags(1 / np.sqrt(X.multiply(X).sum(axis=1).A1)) @ X)
    score = X @ word_weights + rng.normal(scale=0.5, size=n_samples)
    return X, (score > np.median(score)).astype(int)


def data_sets(quick):
    scale = 10 if quick else 1
    cancer, digits = load_breast_cancer(return_X_y=True), load_digits(return_X_y=True)
    return {
        "dense binary": dense_data(300_000 // scale, 40, 2, 0),
        "dense 5 classes": dense_data(80_000 // scale, 100, 5, 1),
        "sparse text": sparse_text_data(100_000 // scale),
        "breast cancer": (StandardScaler().fit_transform(cancer[0]), cancer[1]),
        "digits": (StandardScaler().fit_transform(digits[0]), digits[1]),
    }


def estimators():
    """Ours and the peers, all at their defaults; the peer each is compared with."""
    return {
        "NeuronClassifier(perceptron)": (
            NeuronClassifier(learning_rule="perceptron"),
            "Perceptron",
        ),
        "NeuronClassifier(sigmoid)": (NeuronClassifier(), "LogisticRegression"),
        "Perceptron": (Perceptron(), None),
        "SGDClassifier(log_loss)": (SGDClassifier(loss="log_loss"), None),
        "LogisticRegression": (LogisticRegression(), None),
        "MLPClassifier(())": (MLPClassifier(hidden_layer_sizes=()), None),
    }


def run_seconds(function, repeats):
    """The wall times of ``repeats`` calls of ``function``."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return times


def median_seconds(function, repeats):
    return float(np.median(run_seconds(function, repeats)))


def peak_memory(function):
    tracemalloc.start()
    try:
        function()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


SLOW = 10.0  # seconds: a fit this slow is timed once, and its memory not measured


def measure(estimator, X_train, y_train, X_test, y_test, repeats):
    start = time.perf_counter()
    estimator.fit(X_train, y_train)  # warm-up
    warm_up = time.perf_counter() - start
    slow = warm_up > SLOW
    fit = warm_up if slow else median_seconds(lambda: estimator.fit(X_train, y_train), repeats)
    predict = median_seconds(lambda: estimator.predict(X_test), repeats)
    memory = None if slow else peak_memory(lambda: estimator.fit(X_train, y_train))
    result = {
        "fit": fit,
        "predict": predict,
        "accuracy": accuracy_score(y_test, estimator.predict(X_test)),
        "log_loss": None,
        "memory": memory,
    }
    if hasattr(estimator, "predict_proba"):
        result["log_loss"] = log_loss(y_test, estimator.predict_proba(X_test))
    return result


def floor_rows(X_train, y_train, X_test, repeats):
    """One pass of X @ coef_.T against an epoch of each rule and against predict.

    The epochs are timed as fits of 6 epochs less fits of 3, divided by 3.
    Everything a ratio compares is timed in the same rounds, one call of each
    in turn (the speed of a shared machine drifts over seconds: timed one
    after the other, a ratio also measured the drift); each figure is the
    median over the rounds.
    """
    rows = []
    for rule in ["perceptron", "sigmoid"]:
        model = NeuronClassifier(learning_rule=rule, max_iter=3, tol=None).fit(X_train, y_train)
        calls = {
            "product": lambda m=model: X_train @ m.coef_.T + m.intercept_,
            "bare": lambda m=model: X_test @ m.coef_.T + m.intercept_,
            "predict": lambda m=model: m.predict(X_test),
            "proba": lambda m=model: m.predict_proba(X_test),
        }
        for name, batch_size in [("online", 1), ("full", X_train.shape[0])]:
            for epochs in (3, 6):
                fit = NeuronClassifier(
                    learning_rule=rule, batch_size=batch_size, max_iter=epochs, tol=None
                )
                fit.fit(X_train, y_train)  # warm
                calls[f"{name} {epochs}"] = lambda m=fit: m.fit(X_train, y_train)
        # a difference of two times is noisier than either: more rounds;
        # the products and predictions take milliseconds: three calls a round
        times = {name: [] for name in calls}
        for _ in range(2 * repeats + 1):
            for name, call in calls.items():
                times[name] += run_seconds(call, 1 if " " in name else 3)
        median = {name: float(np.median(seconds)) for name, seconds in times.items()}
        online, full = (
            max(median[f"{name} 6"] - median[f"{name} 3"], 0.0) / 3 for name in ("online", "full")
        )
        rows.append((
            rule, median["product"], online, full, median["bare"], median["predict"],
            median["proba"],
        ))  # fmt: skip
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="data sets 10 times smaller")
    args = parser.parse_args()
    warnings.filterwarnings("ignore", category=ConvergenceWarning)

    print(f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"Python {platform.python_version()}; medians of {args.repeats} warm runs")  # fmt: skip
    header = (
        f"{'data':<16}{'estimator':<30}{'fit s':>9}{'predict s':>10}{'accuracy':>9}"
        f"{'log-loss':>9}{'peak MB':>9}  ratio"
    )
    print(header)
    floors = {}
    for data_name, (X, y) in data_sets(args.quick).items():
        X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)
        results = {
            name: measure(estimator, X_train, y_train, X_test, y_test, args.repeats)
            for name, (estimator, _) in estimators().items()
        }
        for name, (_, peer) in estimators().items():
            result = results[name]
            loss = f"{result['log_loss']:9.4f}" if result["log_loss"] is not None else " " * 9
            memory = (
                f"{result['memory'] / 2**20:9.1f}" if result["memory"] is not None else "    (once)"
            )
            ratio = ""
            if peer is not None:
                fit_ratio = result["fit"] / results[peer]["fit"]
                gain = result["accuracy"] - results[peer]["accuracy"]
                ratio = f"fit {fit_ratio:.2f} x {peer}, accuracy {gain:+.4f}"
            print(
                f"{data_name:<16}{name:<30}{result['fit']:9.3f}{result['predict']:10.4f}"
                f"{result['accuracy']:9.4f}{loss}{memory}  {ratio}"
            )
        if data_name in ("dense binary", "dense 5 classes", "sparse text"):
            floors[data_name] = floor_rows(X_train, y_train, X_test, args.repeats)

    print("\nThe floor: one pass of X @ coef_.T over the training data, against one epoch")
    print("online (batch_size=1, shuffled) and one in full batch (fits of 6 epochs less")
    print("fits of 3); predict and predict_proba against the bare X @ coef_.T + b on the")
    print("test data. All timed in the same 2 × repeats + 1 rounds, one call of each in")
    print("turn (products and predictions three); medians over the rounds.")
    print(
        f"{'data':<16}{'rule':<12}{'X@coef s':>10}{'online s':>10}{'ratio':>7}"
        f"{'full s':>9}{'ratio':>7}{'predict':>9}{'proba':>8}"
    )
    for data_name, rows in floors.items():
        for rule, product, online, full, bare, predict, proba in rows:
            print(
                f"{data_name:<16}{rule:<12}{product:10.4f}{online:10.4f}{online / product:7.2f}"
                f"{full:9.4f}{full / product:7.2f}{predict / bare:9.2f}{proba / bare:8.2f}"
            )

    print("\nThe price of a fresh process: python benchmarks/cold_start.py")


if __name__ == "__main__":
    main()

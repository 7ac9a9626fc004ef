"""Defaults against defaults on small data: accuracy and fit time of both rules and their peers.

On data that fits in one batch (``batch_size="auto"`` trains on the full batch),
every estimator at its defaults, ours and scikit-learn's side by side: the
perceptron rule (``NeuronClassifier(learning_rule="perceptron")``) and the
sigmoid rule (``NeuronClassifier()``) against ``Perceptron()``,
``SGDClassifier()`` (hinge), ``SGDClassifier(loss="log_loss")`` and
``LogisticRegression()``. Only ``random_state=0`` is set, on ours, on
``Perceptron`` and on both ``SGDClassifier``, so that a rerun gives the same
accuracies. Data sets:

* scikit-learn's bundled breast cancer, digits, wine and iris data;
* two synthetic sets whose features span the scales 1e-3 to 1e3:
  ``make_classification(1500, 20, n_informative=10, n_classes=k)``, each column
  then multiplied by ``10**uniform(-3, 3)`` and shifted by
  ``10**uniform(-3, 3) * normal()``; binary (seed 0) and 3 classes (seed 1).

Each data set raw and standardised. Accuracy: the mean of a 5-fold
``StratifiedKFold(5, shuffle=True, random_state=0)`` ``cross_val_score``, the
``StandardScaler`` fitted inside each fold (a ``Pipeline``) when standardised.
Fit time: the median of ``--repeats`` warm fits on the whole data set (after one
untimed fit), standardised once beforehand when standardised, for each rule and
its peer (perceptron rule and ``Perceptron``, sigmoid rule and
``LogisticRegression``), and the ratio of the two. ConvergenceWarnings (the
peers' on raw data) are silenced. After the table: each rule's accuracy less its
peer's, the least over the rows and the mean; and the geometric mean and the
largest of the fit-time ratios on the bundled data sets, standardised.

    python benchmarks/full_batch.py [--repeats 7] [--quick]
"""

import argparse
import os
import platform
import warnings

import numpy as np
from sklearn.datasets import (
    load_breast_cancer,
    load_digits,
    load_iris,
    load_wine,
    make_classification,
)
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression, Perceptron, SGDClassifier
from sklearn.model_selection import StratifiedKFold, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from speed import median_seconds  # run as a script: benchmarks/ is on the path

from sklearn_neuron import NeuronClassifier

BUNDLED = ["breast cancer", "digits", "wine", "iris"]


def wide_scales_data(n_classes, seed):
    """make_classification, each column rescaled by 1e-3..1e3 and shifted."""
    X, y = make_classification(
        1500, 20, n_informative=10, n_classes=n_classes, random_state=seed
    )  # fmt: skip
    rng = np.random.default_rng(seed)
    scales = 10 ** rng.uniform(-3, 3, size=X.shape[1])
    offsets = 10 ** rng.uniform(-3, 3, size=X.shape[1]) * rng.normal(size=X.shape[1])
    return X * scales + offsets, y


def data_sets(quick):
    loaders = {
        "breast cancer": load_breast_cancer,
        "digits": load_digits,
        "wine": load_wine,
        "iris": load_iris,
    }
    if quick:
        return {name: loaders[name](return_X_y=True) for name in ["breast cancer", "iris"]}
    sets = {name: load(return_X_y=True) for name, load in loaders.items()}
    sets["scales, 2 cl"] = wide_scales_data(2, 0)
    sets["scales, 3 cl"] = wide_scales_data(3, 1)
    return sets


def estimators():
    """Ours and the peers, at their defaults but for random_state; the peer each is timed with."""
    return {
        "perceptron rule": (
            NeuronClassifier(learning_rule="perceptron", random_state=0),
            "Perceptron",
        ),
        "sigmoid rule": (NeuronClassifier(random_state=0), "LogisticRegression"),
        "Perceptron": (Perceptron(random_state=0), None),
        "SGDClassifier": (SGDClassifier(random_state=0), None),
        "SGDClassifier(log_loss)": (SGDClassifier(loss="log_loss", random_state=0), None),
        "LogisticRegression": (LogisticRegression(), None),
    }


def accuracy(estimator, X, y, standardise):
    model = make_pipeline(StandardScaler(), estimator) if standardise else estimator
    cv = StratifiedKFold(5, shuffle=True, random_state=0)
    return float(cross_val_score(model, X, y, cv=cv).mean())


def fit_seconds(estimator, X, y, repeats):
    estimator.fit(X, y)  # warm-up
    return median_seconds(lambda: estimator.fit(X, y), repeats)


def measure(X, y, standardise, repeats):
    """Accuracy of every estimator; fit seconds of our rules and of their peers."""
    X_fit = StandardScaler().fit_transform(X) if standardise else X
    timed = {peer for _, peer in estimators().values() if peer is not None}
    results = {}
    for name, (estimator, peer) in estimators().items():
        results[name] = {"accuracy": accuracy(estimator, X, y, standardise)}
        if peer is not None or name in timed:
            results[name]["fit"] = fit_seconds(estimator, X_fit, y, repeats)
    return results


def geometric_mean(values):
    return float(np.exp(np.mean(np.log(values))))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument(
        "--quick", action="store_true", help="3 repeats, breast cancer and iris only"
    )
    args = parser.parse_args()
    repeats = 3 if args.quick else args.repeats

    print(f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"Python {platform.python_version()}; medians of {repeats} warm fits")  # fmt: skip
    header = (
        f"{'data':<15}{'prep':<5}{'P-rule':>7}{'S-rule':>7}{'Perc':>7}{'SGD':>7}{'SGD-log':>8}"
        f"{'LogReg':>7}{'P ms':>8}{'Perc ms':>8}{'P/Perc':>7}{'S ms':>8}{'LR ms':>8}{'S/LR':>6}"
    )
    print(header)
    rows = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", category=ConvergenceWarning)
        for data_name, (X, y) in data_sets(args.quick).items():
            for prep, standardise in [("raw", False), ("std", True)]:
                results = measure(X, y, standardise, repeats)
                accuracies = [result["accuracy"] for result in results.values()]
                p_ratio = results["perceptron rule"]["fit"] / results["Perceptron"]["fit"]
                s_ratio = results["sigmoid rule"]["fit"] / results["LogisticRegression"]["fit"]
                rows.append((data_name, prep, results, p_ratio, s_ratio))
                print(
                    f"{data_name:<15}{prep:<5}"
                    + "".join(
                        f"{value:{8 if i == 4 else 7}.4f}" for i, value in enumerate(accuracies)
                    )
                    + f"{results['perceptron rule']['fit'] * 1e3:8.2f}"
                    f"{results['Perceptron']['fit'] * 1e3:8.2f}{p_ratio:7.2f}"
                    f"{results['sigmoid rule']['fit'] * 1e3:8.2f}"
                    f"{results['LogisticRegression']['fit'] * 1e3:8.2f}{s_ratio:6.2f}"
                )

    print("prep: raw, or std (StandardScaler; inside each fold for the accuracy)")
    print("accuracy (mean of 5 folds): P-rule NeuronClassifier(learning_rule='perceptron'),")
    print("  S-rule NeuronClassifier(), Perc Perceptron(), SGD SGDClassifier() (hinge),")
    print("  SGD-log SGDClassifier(loss='log_loss'), LogReg LogisticRegression()")
    print("fit (median ms, whole data set): P perceptron rule, Perc Perceptron, S sigmoid rule,")
    print("  LR LogisticRegression; P/Perc and S/LR: our fit time over the peer's")
    print("scales, 2 cl / 3 cl: make_classification, features rescaled to 1e-3..1e3, shifted")

    print()
    for rule, peer in [("perceptron rule", "Perceptron"), ("sigmoid rule", "LogisticRegression")]:
        gains = [
            (results[rule]["accuracy"] - results[peer]["accuracy"], f"{data_name} {prep}")
            for data_name, prep, results, _, _ in rows
        ]
        least, where = min(gains)
        mean = np.mean([gain for gain, _ in gains])
        print(f"accuracy, {rule} − {peer}: least {least:+.4f} ({where}), mean {mean:+.4f}")
    bundled = [row for row in rows if row[0] in BUNDLED and row[1] == "std"]
    pairs = [(3, "perceptron rule", "Perceptron"), (4, "sigmoid rule", "LogisticRegression")]
    for index, rule, peer in pairs:
        ratios = [row[index] for row in bundled]
        largest = max(bundled, key=lambda row, i=index: row[i])
        print(
            f"fit time, {rule} / {peer} ({len(bundled)} bundled sets, std): "
            f"geometric mean {geometric_mean(ratios):.2f}, max {largest[index]:.2f} ({largest[0]})"
        )


if __name__ == "__main__":
    main()

"""How trustworthy are the perceptron rule's probabilities?

Compares, on held-out data, the log-loss and Brier score of
``NeuronClassifier(learning_rule="perceptron").predict_proba`` (a temperature
fitted on the training data, no refit) with scikit-learn's answer for a
perceptron, ``CalibratedClassifierCV(Perceptron(), method="sigmoid", cv=5)``
(five refits plus Platt scaling), and with the sigmoid rule, all in the same
``StandardScaler`` pipeline and split. With ``--plot FILE.png`` it also draws
reliability diagrams (needs matplotlib).

    python benchmarks/calibration.py [--plot reliability.png]
"""

import argparse
import time
import warnings

import numpy as np
from sklearn.calibration import CalibratedClassifierCV
from sklearn.datasets import load_breast_cancer, load_digits, make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import Perceptron
from sklearn.metrics import log_loss
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_neuron import NeuronClassifier


def data_sets():
    """The bundled data and synthetic noisy and nearly separable data, binary and 5 classes."""
    shape = dict(n_samples=3000, n_features=20, n_informative=8, random_state=0)
    return {
        "breast cancer": load_breast_cancer(return_X_y=True),
        "digits": load_digits(return_X_y=True),
        "noisy, 2 classes": make_classification(flip_y=0.2, **shape),
        "noisy, 5 classes": make_classification(n_classes=5, flip_y=0.2, **shape),
        "nearly separable, 2 classes": make_classification(class_sep=3, flip_y=0.0, **shape),
        "nearly separable, 5 classes": make_classification(
            n_classes=5, class_sep=3, flip_y=0.0, **shape
        ),
    }


def models():
    return {
        "perceptron rule": NeuronClassifier(learning_rule="perceptron", random_state=0),
        "Perceptron + CalibratedClassifierCV": CalibratedClassifierCV(
            Perceptron(), method="sigmoid", cv=5
        ),
        "sigmoid rule": NeuronClassifier(learning_rule="sigmoid", random_state=0),
    }


def brier_score(y, proba, classes):
    """Mean squared distance of the probabilities from the one-hot labels."""
    one_hot = (np.asarray(y)[:, None] == classes[None, :]).astype(float)
    return float(np.mean(np.sum((proba - one_hot) ** 2, axis=1)))


def evaluate(X, y):
    """Held-out log-loss, Brier score and fit seconds of each model, same split."""
    X_train, X_test, y_train, y_test = train_test_split(X, y, stratify=y, random_state=0)
    results = {}
    for name, model in models().items():
        pipeline = make_pipeline(StandardScaler(), model)
        pipeline.fit(X_train, y_train)  # warm-up
        start = time.perf_counter()
        pipeline.fit(X_train, y_train)
        seconds = time.perf_counter() - start
        proba = pipeline.predict_proba(X_test)
        results[name] = {
            "log_loss": log_loss(y_test, proba, labels=pipeline.classes_),
            "brier": brier_score(y_test, proba, pipeline.classes_),
            "seconds": seconds,
            "pipeline": pipeline,
            "test": (X_test, y_test),
        }
    return results


def plot(all_results, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from sklearn.calibration import CalibrationDisplay

    names = ["breast cancer", "noisy, 2 classes"]
    figure, axes = plt.subplots(1, len(names), figsize=(11, 5))
    for ax, name in zip(axes, names, strict=True):
        for model_name, result in all_results[name].items():
            X_test, y_test = result["test"]
            CalibrationDisplay.from_estimator(
                result["pipeline"],
                X_test,
                y_test,
                n_bins=8,
                strategy="quantile",
                name=model_name,
                ax=ax,
            )
        ax.set_title(name)
    figure.tight_layout()
    figure.savefig(path, dpi=100)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--plot", metavar="FILE.png", help="save reliability diagrams")
    args = parser.parse_args()
    warnings.filterwarnings("ignore", category=ConvergenceWarning)

    all_results = {}
    header = f"{'data':<30}{'model':<38}{'log-loss':>9}{'Brier':>8}{'fit s':>8}{'ratio':>7}"
    print(header)
    for data_name, (X, y) in data_sets().items():
        results = all_results[data_name] = evaluate(X, y)
        reference = results["Perceptron + CalibratedClassifierCV"]["log_loss"]
        for model_name, result in results.items():
            print(
                f"{data_name:<30}{model_name:<38}{result['log_loss']:9.4f}"
                f"{result['brier']:8.4f}{result['seconds']:8.3f}"
                f"{result['log_loss'] / reference:7.3f}"
            )
    print("ratio: log-loss over that of Perceptron + CalibratedClassifierCV")
    if args.plot:
        plot(all_results, args.plot)
        print(f"reliability diagrams saved to {args.plot}")


if __name__ == "__main__":
    main()

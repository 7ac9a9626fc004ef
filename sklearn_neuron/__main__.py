"""``python -m sklearn_neuron``: the neuron's two learning rules next to scikit-learn's.

With no arguments, cross-validates both learning rules on scikit-learn's
bundled breast cancer data, next to scikit-learn's ``Perceptron`` and
``LogisticRegression``, all in a ``StandardScaler`` pipeline; prints accuracy,
log-loss and fit time, then the perceptron rule's mistakes epoch by epoch.
``--csv PATH --target COLUMN`` does the same on a CSV file of numbers.
"""

import argparse
import csv
import sys
import warnings
from pathlib import Path

import numpy as np
from sklearn.datasets import load_breast_cancer
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression, Perceptron
from sklearn.model_selection import StratifiedKFold, cross_validate
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_neuron import NeuronClassifier

RULES = ["sigmoid", "perceptron"]


class InputError(Exception):
    """A problem with the user's input, reported in one line."""


def read_csv(path, target):
    """Features (float) and labels (str) from a CSV file with a header row."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"no such file: {path}")
    with path.open(newline="") as file:
        rows = list(csv.reader(file))
    if len(rows) < 2:
        raise InputError(f"{path} needs a header row and at least one row of data")
    header, rows = [name.strip() for name in rows[0]], rows[1:]
    if target not in header:
        raise InputError(f"no column {target!r} in {path}; its columns are: {', '.join(header)}")
    if any(len(row) != len(header) for row in rows):
        raise InputError(f"{path} has rows with another number of fields than its header")
    target_index = header.index(target)
    features = [i for i in range(len(header)) if i != target_index]
    if not features:
        raise InputError(f"{path} has no feature column besides {target!r}")
    X = np.empty((len(rows), len(features)))
    for column, i in enumerate(features):
        try:
            X[:, column] = [float(row[i]) for row in rows]
        except ValueError:
            raise InputError(
                f"column {header[i]!r} of {path} is not numeric; encode it as numbers or drop it"
            ) from None
    if not np.all(np.isfinite(X)):
        raise InputError(f"{path} has missing or infinite values; fill or drop them")
    y = np.array([row[target_index].strip() for row in rows])
    return X, y, [header[i] for i in features]


def check_labels(y, folds):
    classes, counts = np.unique(y, return_counts=True)
    if len(classes) < 2:
        raise InputError(
            f"the target has one class only ({str(classes[0])!r}); a classifier needs 2 or more"
        )
    if counts.min() < folds:
        raise InputError(
            f"class {str(classes[counts.argmin()])!r} has {counts.min()} samples, fewer than "
            f"the {folds} cross-validation folds; lower --folds (2 at least) or add samples"
        )


def models(rules):
    chosen = {f"NeuronClassifier(learning_rule={rule!r})": NeuronClassifier(learning_rule=rule)
              for rule in rules}  # fmt: skip
    chosen["LogisticRegression()"] = LogisticRegression()
    chosen["Perceptron()"] = Perceptron()
    return chosen


def compare(X, y, rules, folds):
    """Rows of (name, accuracy, log-loss or None, fit seconds), cross-validated."""
    cv = StratifiedKFold(folds, shuffle=True, random_state=0)
    rows = []
    for name, model in models(rules).items():
        has_proba = hasattr(model, "predict_proba")
        scoring = ["accuracy", "neg_log_loss"] if has_proba else ["accuracy"]
        scores = cross_validate(
            make_pipeline(StandardScaler(), model), X, y, cv=cv, scoring=scoring
        )
        log_loss = -scores["test_neg_log_loss"].mean() if has_proba else None
        rows.append((name, scores["test_accuracy"].mean(), log_loss, scores["fit_time"].mean()))
    return rows


def plot(path, X, y, rules):
    """Learning curves of each rule, and decision boundaries on two principal components."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise InputError("--plot needs matplotlib: pip install matplotlib") from None
    from sklearn.decomposition import PCA

    X_scaled = StandardScaler().fit_transform(X)
    figure, axes = plt.subplots(2, len(rules), figsize=(5.5 * len(rules), 9), squeeze=False)
    for column, rule in enumerate(rules):
        neuron = NeuronClassifier(learning_rule=rule, batch_size=1, random_state=0)
        neuron.fit(X_scaled, y)
        curves = axes[0, column]
        curves.plot(range(1, neuron.n_iter_ + 1), neuron.mistakes_curve_, "o-", label="mistakes")
        curves.set_xlabel("epoch (online, one sample at a time)")
        curves.set_ylabel("mistakes in the epoch")
        loss = curves.twinx()
        loss.plot(range(1, neuron.n_iter_ + 1), neuron.loss_curve_, "s--", color="C1")
        loss.set_ylabel("loss", color="C1")
        curves.set_title(f"learning_rule={rule!r}")

        X_2d = PCA(n_components=2).fit_transform(X_scaled)
        neuron_2d = NeuronClassifier(learning_rule=rule).fit(X_2d, y)
        codes = np.searchsorted(neuron_2d.classes_, y)
        grid = np.meshgrid(*(np.linspace(v.min() - 1, v.max() + 1, 300) for v in X_2d.T))
        regions = np.searchsorted(
            neuron_2d.classes_, neuron_2d.predict(np.column_stack([g.ravel() for g in grid]))
        ).reshape(grid[0].shape)
        levels = np.arange(len(neuron_2d.classes_) + 1) - 0.5
        axes[1, column].contourf(*grid, regions, levels=levels, alpha=0.3, cmap="coolwarm")
        points = axes[1, column].scatter(
            *X_2d.T, c=codes, s=12, edgecolors="k", cmap="coolwarm", vmin=0, vmax=levels[-1] - 0.5
        )
        handles, _ = points.legend_elements()
        labels = [str(label) for label in neuron_2d.classes_]
        axes[1, column].legend(handles, labels, title="class", fontsize="small")
        axes[1, column].set_xlabel("first principal component")
        axes[1, column].set_ylabel("second principal component")
    figure.tight_layout()
    figure.savefig(path, dpi=90)
    plt.close(figure)


def parse_arguments(argv):
    parser = argparse.ArgumentParser(
        prog="python -m sklearn_neuron",
        description="Train one artificial neuron by the perceptron rule and by gradient "
        "descent, and compare it with scikit-learn's linear classifiers. Without --csv, "
        "on scikit-learn's bundled breast cancer data.",
    )
    parser.add_argument("--csv", metavar="PATH", help="a CSV file of numbers with a header row")
    parser.add_argument("--target", metavar="COLUMN", help="the CSV column holding the labels")
    parser.add_argument(
        "--rule", choices=[*RULES, "both"], default="both", help="learning rule (default: both)"
    )
    parser.add_argument("--folds", type=int, default=5, help="cross-validation folds (default: 5)")
    parser.add_argument(
        "--plot", metavar="FILE.png", help="save learning curves and decision boundaries"
    )
    arguments = parser.parse_args(argv)
    if (arguments.csv is None) != (arguments.target is None):
        parser.error("--csv and --target go together")
    if arguments.folds < 2:
        parser.error("--folds must be 2 or more")
    return arguments


def run(arguments):
    if arguments.csv:
        X, y, _ = read_csv(arguments.csv, arguments.target)
        source = f"{arguments.csv}, target {arguments.target!r}"
    else:
        X, y = load_breast_cancer(return_X_y=True)
        source = "scikit-learn's breast cancer data"
    check_labels(y, arguments.folds)
    rules = RULES if arguments.rule == "both" else [arguments.rule]

    n_classes = len(np.unique(y))
    print(f"{source}: {X.shape[0]} samples, {X.shape[1]} features, {n_classes} classes")
    print(f"{arguments.folds}-fold cross-validation, features standardised\n")
    print(f"{'model':<46}{'accuracy':>10}{'log-loss':>10}{'fit [ms]':>10}")
    for name, accuracy, log_loss, fit_time in compare(X, y, rules, arguments.folds):
        shown = f"{log_loss:10.4f}" if log_loss is not None else f"{'-':>10}"
        print(f"{name:<46}{accuracy:10.4f}{shown}{1000 * fit_time:10.1f}")

    if "perceptron" in rules:
        neuron = NeuronClassifier(learning_rule="perceptron", batch_size=1, random_state=0)
        neuron.fit(StandardScaler().fit_transform(X), y)
        print("\nThe perceptron rule online, one sample at a time: mistakes per epoch")
        print(" ".join(str(mistakes) for mistakes in neuron.mistakes_curve_))
        print(f"({neuron.n_iter_} epochs; fewest mistakes {min(neuron.mistakes_curve_)})")
    if arguments.plot:
        plot(arguments.plot, X, y, rules)
        print(f"\nLearning curves and decision boundaries saved to {arguments.plot}")


def main(argv=None):
    arguments = parse_arguments(argv)
    warnings.filterwarnings("ignore", category=ConvergenceWarning)
    try:
        run(arguments)
    except InputError as error:
        sys.exit(f"python -m sklearn_neuron: error: {error}")


if __name__ == "__main__":
    main()

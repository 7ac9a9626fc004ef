"""``python -m sklearn_neuron``: the neuron's two learning rules next to scikit-learn's.

With no arguments, cross-validates both learning rules on scikit-learn's
bundled breast cancer data, next to scikit-learn's ``Perceptron`` and
``LogisticRegression``, all in a ``StandardScaler`` pipeline; prints accuracy,
log-loss and fit time, then the perceptron rule's mistakes epoch by epoch.
``--csv PATH --target COLUMN`` does the same on a CSV file (it needs pandas).
Progress goes to stderr, the results to stdout.
"""

import argparse
import sys
import time
import warnings

import numpy as np
from sklearn.compose import ColumnTransformer
from sklearn.datasets import load_breast_cancer
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression, Perceptron
from sklearn.metrics import accuracy_score, log_loss
from sklearn.model_selection import StratifiedKFold, cross_validate
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

from sklearn_neuron import NeuronClassifier, __version__
from sklearn_neuron._csv_input import (
    InputError,
    check_features,
    check_target,
    preprocessing,
    read_table,
)

RULES = ["sigmoid", "perceptron"]
IMPUTE_STRATEGIES = ["mean", "median", "most_frequent"]


class Progress:
    """Lines on stderr that say what a long run is doing, with the seconds since it began."""

    def __init__(self, quiet):
        self.quiet = quiet
        self.start = time.perf_counter()

    def __call__(self, message):
        if not self.quiet:
            print(f"[{time.perf_counter() - self.start:7.1f} s] {message}", file=sys.stderr,
                  flush=True)  # fmt: skip


def models(rules):
    chosen = {f"NeuronClassifier(learning_rule={rule!r})": NeuronClassifier(learning_rule=rule)
              for rule in rules}  # fmt: skip
    chosen["LogisticRegression()"] = LogisticRegression()
    chosen["Perceptron()"] = Perceptron()
    return chosen


def fold_scorer(name, folds, progress):
    """A scorer for ``cross_validate``: accuracy, and log-loss where there are probabilities.

    It says when each fold is done, since ``cross_validate`` does not.
    """
    done = []

    def score(estimator, X, y):
        scores = {"accuracy": accuracy_score(y, estimator.predict(X))}
        if hasattr(estimator, "predict_proba"):
            probabilities = estimator.predict_proba(X)
            scores["log_loss"] = log_loss(y, probabilities, labels=estimator.classes_)
        done.append(True)
        progress(f"{name}: fold {len(done)} of {folds} done")
        return scores

    return score


def compare(X, y, rules, folds, first_step, progress):
    """Rows of (name, accuracy, log-loss or None, fit seconds), cross-validated."""
    cv = StratifiedKFold(folds, shuffle=True, random_state=0)
    rows = []
    for name, model in models(rules).items():
        progress(f"{name}: {folds}-fold cross-validation")
        scores = cross_validate(
            make_pipeline(first_step, model), X, y, cv=cv,
            scoring=fold_scorer(name, folds, progress),
        )  # fmt: skip
        log_loss = scores["test_log_loss"].mean() if "test_log_loss" in scores else None
        rows.append((name, scores["test_accuracy"].mean(), log_loss, scores["fit_time"].mean()))
    return rows


def parse_arguments(argv):
    parser = argparse.ArgumentParser(
        prog="python -m sklearn_neuron",
        description="Train one artificial neuron by the perceptron rule and by gradient "
        "descent, and compare it with scikit-learn's linear classifiers. Without --csv, "
        "on scikit-learn's bundled breast cancer data.",
    )
    parser.add_argument("--version", action="version", version=f"sklearn-neuron {__version__}")
    data = parser.add_argument_group("a CSV file of your own (needs pandas: sklearn-neuron[csv])")
    data.add_argument("--csv", metavar="PATH", help="a CSV file with a header row")
    data.add_argument("--target", metavar="COLUMN", help="the column holding the labels")
    data.add_argument(
        "--sep", metavar="CHAR",
        help="the delimiter, or tab (default: detected in the header among , ; tab |)",
    )  # fmt: skip
    data.add_argument(
        "--encoding", default="utf-8",
        help="the file's text encoding (default: utf-8; a byte-order mark is skipped)",
    )  # fmt: skip
    data.add_argument(
        "--drop", metavar="COLUMN", action="append", default=[],
        help="leave a column out, e.g. an id or a date (repeat for more)",
    )  # fmt: skip
    data.add_argument(
        "--max-levels", type=int, default=20, metavar="N",
        help="one-hot encode text columns with up to N distinct values (default: 20)",
    )  # fmt: skip
    data.add_argument(
        "--impute", choices=IMPUTE_STRATEGIES,
        help="fill missing values in each fold (SimpleImputer): numbers by this "
        "strategy, text by its most frequent value (default: refuse missing values)",
    )  # fmt: skip
    parser.add_argument(
        "--rule", choices=[*RULES, "both"], default="both", help="learning rule (default: both)"
    )
    parser.add_argument("--folds", type=int, default=5, help="cross-validation folds (default: 5)")
    parser.add_argument(
        "--threads", type=int, default=1, metavar="N",
        help="BLAS and OpenMP threads for every model, so that fit times compare "
        "(default: 1, as the neuron's own loops use one)",
    )  # fmt: skip
    parser.add_argument(
        "--plot", metavar="FILE.png",
        help="save learning curves and decision boundaries (needs matplotlib: "
        "sklearn-neuron[plot])",
    )  # fmt: skip
    parser.add_argument("--quiet", action="store_true", help="no progress lines on stderr")
    arguments = parser.parse_args(argv)
    if (arguments.csv is None) != (arguments.target is None):
        parser.error("--csv and --target go together")
    if arguments.csv is None and (arguments.drop or arguments.sep or arguments.impute):
        parser.error("--sep, --drop and --impute are options of --csv")
    if arguments.folds < 2:
        parser.error("--folds must be 2 or more")
    if arguments.threads < 1:
        parser.error("--threads must be 1 or more")
    if arguments.max_levels < 2:
        parser.error("--max-levels must be 2 or more")
    if arguments.sep in ("\\t", "tab"):
        arguments.sep = "\t"  # a tab typed as backslash-t or as the word
    if arguments.sep is not None and len(arguments.sep.encode()) != 1:
        parser.error(f"--sep must be one character, not {arguments.sep!r}; for a tab: --sep tab")
    return arguments


def load(arguments, progress):
    """Features, labels, the pipeline's first step, feature names, and a description."""
    if arguments.csv is None:
        X, y = load_breast_cancer(return_X_y=True)
        names = load_breast_cancer().feature_names
        return X, y, StandardScaler(), names, "scikit-learn's breast cancer data"
    progress(f"reading {arguments.csv}")
    features, y, delimiter = read_table(
        arguments.csv, arguments.target, sep=arguments.sep, encoding=arguments.encoding,
        drop=arguments.drop,
    )  # fmt: skip
    progress(f"read {len(features)} rows, {features.shape[1]} feature columns")
    check_features(features, max_levels=arguments.max_levels, impute=arguments.impute)
    first_step = preprocessing(features, impute=arguments.impute)
    names = list(features.columns)
    if not isinstance(first_step, ColumnTransformer):
        # All numbers: one array, half the memory of a DataFrame beside it.
        features = features.to_numpy(dtype=float)
    source = f"{arguments.csv} (delimiter {delimiter!r}), target {arguments.target!r}"
    return features, y, first_step, names, source


def run(arguments):
    progress = Progress(arguments.quiet)
    if arguments.plot:
        from sklearn_neuron._plots import check_destination

        check_destination(arguments.plot)
    X, y, first_step, names, source = load(arguments, progress)
    check_target(y, arguments.folds)
    rules = RULES if arguments.rule == "both" else [arguments.rule]

    n_classes = len(np.unique(y))
    print(f"{source}: {X.shape[0]} samples, {X.shape[1]} features, {n_classes} classes")
    print(
        f"{arguments.folds}-fold cross-validation, features standardised"
        + (", text one-hot encoded" if isinstance(first_step, ColumnTransformer) else "")
        + (f", missing values filled ({arguments.impute})" if arguments.impute else "")
    )
    threads = f"{arguments.threads} thread" + ("s" if arguments.threads > 1 else "")
    print(f"fit times: mean of the folds, every model limited to {threads} (--threads)\n")
    with threadpool_limits(limits=arguments.threads):
        rows = compare(X, y, rules, arguments.folds, first_step, progress)
    print(f"{'model':<46}{'accuracy':>10}{'log-loss':>10}{'fit [ms]':>10}")
    for name, accuracy, log_loss_, fit_time in rows:
        shown = f"{log_loss_:10.4f}" if log_loss_ is not None else f"{'-':>10}"
        print(f"{name:<46}{accuracy:10.4f}{shown}{1000 * fit_time:10.1f}")

    if "perceptron" in rules or arguments.plot:
        progress("encoding all rows for the epoch table")
        X_all = first_step.fit_transform(X)
    if "perceptron" in rules:
        progress("the perceptron rule online, on all rows")
        neuron = NeuronClassifier(learning_rule="perceptron", batch_size=1, random_state=0)
        neuron.fit(X_all, y)
        print("\nThe perceptron rule online, one sample at a time: mistakes per epoch")
        print(" ".join(str(mistakes) for mistakes in neuron.mistakes_curve_))
        print(f"({neuron.n_iter_} epochs; fewest mistakes {min(neuron.mistakes_curve_)})")
    if arguments.plot:
        from sklearn_neuron._plots import plot

        progress(f"drawing {arguments.plot}")
        feature_names = first_step.get_feature_names_out(names)
        plot(arguments.plot, X_all, y, rules, feature_names)
        print(f"\nLearning curves and decision boundaries saved to {arguments.plot}")


def main(argv=None):
    arguments = parse_arguments(argv)
    warnings.filterwarnings("ignore", category=ConvergenceWarning)
    try:
        run(arguments)
    except InputError as error:
        sys.exit(f"python -m sklearn_neuron: error: {error}")
    except BrokenPipeError:
        # The output was piped into a reader that stopped early, e.g. head.
        sys.stdout = None
        sys.exit(1)


if __name__ == "__main__":
    main()

"""``python -m sklearn_neuron``: the neuron's two learning rules next to scikit-learn's.

With no arguments, cross-validates both learning rules on scikit-learn's
bundled breast cancer data, next to scikit-learn's ``Perceptron`` and
``LogisticRegression``, all in a ``StandardScaler`` pipeline; prints accuracy,
log-loss and fit time, then the perceptron rule's mistakes epoch by epoch.
``--csv PATH --target COLUMN`` does the same on a CSV file (it needs pandas).
Progress goes to stderr, the results to stdout.

The whole command line is this module: its arguments, its CSV input, its
plots and the run.

The CSV input: pandas reads the file, as scikit-learn's own ``fetch_openml``
does: its C parser reads a million rows in seconds into one array per column,
and handles quoting, blank lines, missing-value markers and byte-order marks
that a hand-written reader gets wrong. It is an optional dependency (the
``csv`` extra), imported only when ``--csv`` is given. Text columns are
encoded by scikit-learn's transformers inside the cross-validated pipeline,
so that each fold learns its encoding from its own training rows.

The plots (``--plot``): learning curves and decision boundaries, drawn with
matplotlib, optional too (the ``plot`` extra) and imported only when
``--plot`` is given. Everything that could make the picture fail is checked
by :func:`check_destination` before any training, so that a long run does
not end in an error.
"""

import argparse
import codecs
import os
import sys
import time
import warnings
from pathlib import Path

import numpy as np
from sklearn.compose import ColumnTransformer
from sklearn.datasets import load_breast_cancer
from sklearn.exceptions import ConvergenceWarning
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression, Perceptron
from sklearn.metrics import accuracy_score, log_loss
from sklearn.model_selection import StratifiedKFold, cross_validate
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler
from sklearn.utils.multiclass import type_of_target
from threadpoolctl import threadpool_limits

from sklearn_neuron import NeuronClassifier, __version__

RULES = ["sigmoid", "perceptron"]
IMPUTE_STRATEGIES = ["mean", "median", "most_frequent"]
# The delimiters a header line is searched for when --sep is not given.
DELIMITERS = [",", ";", "\t", "|"]
# Points drawn in a decision-boundary panel: more hide each other and the regions.
MAX_POINTS = 5000


class InputError(Exception):
    """A problem with the user's input, reported in one line."""


# --- Arguments ---


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


# --- CSV input ---


def import_pandas():
    """pandas, or an error that says how to install it."""
    try:
        import pandas
    except ImportError:
        raise InputError(
            "--csv reads files with pandas, which is not installed: "
            "pip install 'sklearn-neuron[csv]' (or pip install pandas)"
        ) from None
    return pandas


def detect_delimiter(path, encoding):
    """The delimiter of the file's header line: the candidate found most often in it, else ','.

    Only the header is read; a header of one column (no delimiter in it) reads as
    comma-separated.
    """
    with open(path, newline="", encoding=encoding) as file:
        header = file.readline()
    # Delimiters inside quoted column names do not count.
    unquoted = "".join(header.split('"')[::2])
    counts = {delimiter: unquoted.count(delimiter) for delimiter in DELIMITERS}
    best = max(counts, key=counts.get)
    return best if counts[best] > 0 else ","


def not_text_error(path, encoding):
    """The error for a file that does not decode: where its first bad byte is, what to do."""
    decoder = codecs.getincrementaldecoder(encoding)()
    position = 0
    with open(path, "rb") as file:
        while chunk := file.read(1 << 20):
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as error:
                return InputError(
                    f"{path} is not {encoding.removesuffix('-sig')} text: byte "
                    f"0x{chunk[error.start]:02x} at offset {position + error.start} is not valid "
                    "there; give the file's encoding, e.g. --encoding latin-1, or save it as UTF-8"
                )
            position += len(chunk)
    return InputError(f"{path} is not {encoding} text; give its encoding with --encoding")


def read_table(path, target, *, sep=None, encoding="utf-8", drop=()):
    """The file's feature columns as a DataFrame, and its target column as an array.

    Parameters
    ----------
    path : str or Path
        A CSV file with a header row.
    target : str
        The column that holds the labels.
    sep : str, default=None
        The delimiter; ``None`` detects it from the header line.
    encoding : str, default="utf-8"
        The file's text encoding; a UTF-8 byte-order mark is skipped.
    drop : sequence of str, default=()
        Columns to leave out.

    Returns
    -------
    features : pandas.DataFrame
    y : ndarray
    delimiter : str
    """
    pandas = import_pandas()
    path = Path(path)
    if not path.is_file():
        raise InputError(f"no such file: {path}")
    try:
        codecs.lookup(encoding)
    except LookupError:
        raise InputError(f"unknown --encoding {encoding!r}; try utf-8 or latin-1") from None
    if codecs.lookup(encoding).name == "utf-8":
        encoding = "utf-8-sig"  # skips a byte-order mark, reads plain UTF-8 as it is
    try:
        delimiter = sep if sep is not None else detect_delimiter(path, encoding)
        table = pandas.read_csv(
            path, sep=delimiter, encoding=encoding, skipinitialspace=True, engine="c"
        )
    except UnicodeDecodeError:
        raise not_text_error(path, encoding) from None
    except pandas.errors.EmptyDataError:
        raise InputError(f"{path} is empty; it needs a header row and rows of data") from None
    except pandas.errors.ParserError as error:
        # pandas says which line: "Expected 3 fields in line 5, saw 4".
        detail = str(error).strip().removeprefix("Error tokenizing data. C error: ")
        raise InputError(
            f"{path} does not read as a table with delimiter {delimiter!r}: {detail}; "
            "each row needs as many fields as the header (quote fields that contain the delimiter)"
        ) from None
    table.columns = [str(name).strip() for name in table.columns]
    columns = list(table.columns)
    if target not in columns:
        hint = ""
        if len(columns) == 1:
            found = [d for d in DELIMITERS if d != delimiter and d in columns[0]]
            if found:
                hint = f" (it reads as one column: is its delimiter {found[0]!r}? give --sep)"
        raise InputError(
            f"no column {target!r} in {path}{hint}; its columns are: {', '.join(columns)}"
        )
    unknown = [name for name in drop if name not in columns]
    if unknown:
        raise InputError(
            f"--drop names {', '.join(map(repr, unknown))}, not a column of {path}; "
            f"its columns are: {', '.join(columns)}"
        )
    if len(table) == 0:
        raise InputError(f"{path} has a header but no rows of data")
    labels = table[target]
    missing_labels = int(labels.isna().sum())
    if missing_labels:
        first = int(np.flatnonzero(labels.isna().to_numpy())[0]) + 1
        raise InputError(
            f"the target column {target!r} is empty or NA in {missing_labels} rows (the first is "
            f"data row {first}); remove those rows, the labels cannot be guessed"
        )
    features = table.drop(columns=[target, *drop])
    del table
    if features.shape[1] == 0:
        raise InputError(f"{path} has no feature column besides {target!r}")
    y = labels.to_numpy()
    if y.dtype == object:
        y = np.array([str(label).strip() for label in y])
    return features, y, delimiter


def text_columns(features):
    """The names of the columns pandas did not read as numbers (or booleans)."""
    return [name for name in features.columns if not _is_numeric(features[name])]


def _is_numeric(column):
    return column.dtype.kind in "biuf"


def check_features(features, *, max_levels, impute):
    """Refuse what the models cannot take, each with what to do about it.

    A text column that is mostly numbers is a typo; one with more than
    ``max_levels`` distinct values is an id, a date or free text; missing values
    need ``impute``; infinite numbers are refused.
    """
    pandas = import_pandas()
    for name in text_columns(features):
        column = features[name]
        present = column.dropna()
        as_numbers = pandas.to_numeric(present, errors="coerce")
        not_numbers = present[as_numbers.isna()]
        if as_numbers.notna().sum() >= len(not_numbers):
            row = int(np.flatnonzero(features.index == not_numbers.index[0])[0]) + 1
            raise InputError(
                f"column {name!r} holds numbers and text (data row {row}: "
                f"{str(not_numbers.iloc[0])!r}); correct the file, or leave the column out "
                f"with --drop {_quoted(name)}"
            )
        levels = present.nunique()
        if levels > max_levels:
            raise InputError(
                f"column {name!r} holds text with {levels} distinct values, more than "
                f"--max-levels {max_levels} (an id, a date or free text?); leave it out with "
                f"--drop {_quoted(name)}, or raise --max-levels to one-hot encode it"
            )
    numeric = [name for name in features.columns if _is_numeric(features[name])]
    if numeric:
        infinite = [
            name for name in numeric if np.isinf(features[name].to_numpy(dtype=float)).any()
        ]
        if infinite:
            raise InputError(
                f"column {', '.join(map(repr, infinite))} holds infinite values; "
                "correct them or leave the column out with --drop"
            )
    counts = features.isna().sum()
    counts = counts[counts > 0]
    if len(counts) and impute is None:
        listed = ", ".join(f"{name!r} ({count} of {len(features)} rows)" for name, count in
                           counts.items())  # fmt: skip
        raise InputError(
            f"missing values (empty cells or NA) in column {listed}; fill them in the file, "
            "leave the column out with --drop, or let each fold fill them with "
            "--impute mean (or median, or most_frequent)"
        )


def _quoted(name):
    return name if name.replace("_", "").replace("-", "").isalnum() else repr(name)


def preprocessing(features, *, impute):
    """The pipeline's first step: standardise the numbers, one-hot encode the text.

    ``impute`` is the strategy of a ``SimpleImputer`` for the numbers (text
    takes its most frequent value), or ``None`` when nothing is missing.
    """
    text = text_columns(features)
    numeric = [name for name in features.columns if name not in text]
    numbers = [StandardScaler()]
    words = [OneHotEncoder(handle_unknown="ignore")]
    if impute is not None:
        numbers.insert(0, SimpleImputer(strategy=impute))
        words.insert(0, SimpleImputer(strategy="most_frequent"))
    if not text:
        return make_pipeline(*numbers)
    return ColumnTransformer(
        [("numbers", make_pipeline(*numbers), numeric), ("text", make_pipeline(*words), text)],
        verbose_feature_names_out=False,
    )


def check_target(y, folds):
    """Refuse a target that is not classes, or classes too small for the folds."""
    kind = type_of_target(y)
    classes, counts = np.unique(y, return_counts=True)
    if kind == "continuous" or (len(classes) > 20 and len(classes) > len(y) / 5):
        raise InputError(
            f"the target looks like a measurement, not classes ({len(classes)} distinct values "
            f"in {len(y)} rows{', not whole numbers' if kind == 'continuous' else ''}); "
            "NeuronClassifier classifies: choose a column of class labels, or bin this one "
            "into a few classes (e.g. above and below its median) in the file"
        )
    if len(classes) < 2:
        raise InputError(
            f"the target has one class only ({str(classes[0])!r}); a classifier needs 2 or more"
        )
    if counts.min() < folds:
        raise InputError(
            f"class {str(classes[counts.argmin()])!r} has {counts.min()} samples, fewer than "
            f"the {folds} cross-validation folds; lower --folds (2 at least) or add samples"
        )


# --- Plots ---


def check_destination(path):
    """Refuse a picture that could not be saved: no matplotlib, no folder, an unknown format."""
    try:
        import matplotlib
    except ImportError:
        raise InputError(
            "--plot draws with matplotlib, which is not installed: "
            "pip install 'sklearn-neuron[plot]' (or pip install matplotlib)"
        ) from None
    from matplotlib.figure import Figure

    path = Path(path)
    folder = path.parent
    if not folder.is_dir():
        raise InputError(
            f"--plot {path}: the folder {folder} does not exist; create it or choose another path"
        )
    if not os.access(folder, os.W_OK):
        raise InputError(f"--plot {path}: the folder {folder} is not writable")
    formats = Figure().canvas.get_supported_filetypes()
    suffix = path.suffix.lower().lstrip(".")
    if suffix not in formats:
        raise InputError(
            f"--plot {path}: give the file one of matplotlib's formats as its suffix "
            f"({', '.join('.' + name for name in sorted(formats))}), e.g. neuron.png"
        )
    del matplotlib


def plot(path, X, y, rules, feature_names):
    """Each rule's mistakes and loss per online epoch, and its decision regions.

    The regions are drawn over the two features when there are two, over the
    first two principal components when there are more, and along the one
    feature (classes stacked) when there is one.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator
    from sklearn.decomposition import PCA

    X = X.toarray() if hasattr(X, "toarray") else np.asarray(X, dtype=float)
    if X.shape[1] > 2:
        X_plane = PCA(n_components=2).fit_transform(X)
        axis_names = ["first principal component", "second principal component"]
    else:
        X_plane = X
        axis_names = [f"{name} (as the models see it)" for name in feature_names]
    shown = np.random.default_rng(0).permutation(len(y))[:MAX_POINTS]

    figure, axes = plt.subplots(2, len(rules), figsize=(5.5 * len(rules), 9), squeeze=False)
    for column, rule in enumerate(rules):
        neuron = NeuronClassifier(learning_rule=rule, batch_size=1, random_state=0).fit(X, y)
        curves = axes[0, column]
        epochs = range(1, neuron.n_iter_ + 1)
        curves.plot(epochs, neuron.mistakes_curve_, "o-", label="mistakes")
        curves.set_xlabel("epoch (online, one sample at a time)")
        curves.set_ylabel("mistakes in the epoch")
        curves.xaxis.set_major_locator(MaxNLocator(integer=True))
        curves.yaxis.set_major_locator(MaxNLocator(integer=True))
        loss = curves.twinx()
        loss.plot(epochs, neuron.loss_curve_, "s--", color="C1")
        loss.set_ylabel("loss", color="C1")
        curves.set_title(f"learning_rule={rule!r}")

        neuron_plane = NeuronClassifier(learning_rule=rule).fit(X_plane, y)
        draw_regions(axes[1, column], neuron_plane, X_plane[shown], y[shown], axis_names)
    figure.tight_layout()
    figure.savefig(path, dpi=90)
    plt.close(figure)


def draw_regions(axes, neuron, X, y, axis_names):
    """The neuron's predicted class over the plane (or the line) of X, and X's points on it."""
    classes = neuron.classes_
    codes = np.searchsorted(classes, y)
    levels = np.arange(len(classes) + 1) - 0.5
    span = [np.linspace(v.min() - 1, v.max() + 1, 300) for v in X.T]
    if X.shape[1] == 1:
        # One feature: the regions are intervals of it; each class gets its own row.
        predicted = np.searchsorted(classes, neuron.predict(span[0][:, None]))
        grid = np.meshgrid(span[0], levels[[0, -1]])
        regions = np.tile(predicted, (2, 1))
        jitter = np.random.default_rng(0).uniform(-0.2, 0.2, len(codes))
        points = np.column_stack([X[:, 0], codes + jitter])
        axes.set_yticks(range(len(classes)), [str(label) for label in classes])
        axes.set_ylabel("class (points spread vertically)")
    else:
        grid = np.meshgrid(*span)
        plane = np.column_stack([g.ravel() for g in grid])
        regions = np.searchsorted(classes, neuron.predict(plane)).reshape(grid[0].shape)
        points = X
        axes.set_ylabel(axis_names[1])
    axes.contourf(*grid, regions, levels=levels, alpha=0.3, cmap="coolwarm")
    scatter = axes.scatter(
        *points.T, c=codes, s=12, edgecolors="k", cmap="coolwarm", vmin=0, vmax=levels[-1] - 0.5
    )
    handles, _ = scatter.legend_elements()
    axes.legend(handles, [str(label) for label in classes], title="class", fontsize="small")
    axes.set_xlabel(axis_names[0])


# --- Running ---


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

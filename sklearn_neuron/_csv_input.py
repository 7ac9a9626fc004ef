"""The command line's CSV input: a table read by pandas, checked, and its encoding for the models.

pandas reads the file, as scikit-learn's own ``fetch_openml`` does: its C
parser reads a million rows in seconds into one array per column, and
handles quoting, blank lines, missing-value markers and byte-order marks
that a hand-written reader gets wrong. It is an optional dependency (the
``csv`` extra), imported only when ``--csv`` is given. Text columns are
encoded by scikit-learn's transformers inside the cross-validated pipeline,
so that each fold learns its encoding from its own training rows.
"""

import codecs
from pathlib import Path

import numpy as np
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler
from sklearn.utils.multiclass import type_of_target

# The delimiters a header line is searched for when --sep is not given.
DELIMITERS = [",", ";", "\t", "|"]


class InputError(Exception):
    """A problem with the user's input, reported in one line."""


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

"""``python -m sklearn_neuron`` and its ``--csv``, run as a user runs them: in a subprocess."""

import re
import subprocess
import sys

import numpy as np
import pytest
from sklearn.compose import ColumnTransformer
from sklearn.datasets import load_breast_cancer, load_iris
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_validate
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from sklearn_neuron import NeuronClassifier, __version__

pandas = pytest.importorskip("pandas", reason="--csv reads files with pandas (the csv extra)")


def run_module(*arguments, cwd):
    return subprocess.run(
        [sys.executable, "-m", "sklearn_neuron", *map(str, arguments)],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=300,
    )


def table_row(stdout, model):
    """(accuracy, log-loss or None) of the table row of ``model``."""
    row = next(line for line in stdout.splitlines() if line.startswith(model))
    accuracy, log_loss = row[46:].split()[:2]
    return float(accuracy), None if log_loss == "-" else float(log_loss)


def reference_scores(model, X, y, folds=5):
    """Accuracy and log-loss of ``model`` cross-validated by scikit-learn directly."""
    cv = StratifiedKFold(folds, shuffle=True, random_state=0)
    scores = cross_validate(model, X, y, cv=cv, scoring=["accuracy", "neg_log_loss"])
    return scores["test_accuracy"].mean(), -scores["test_neg_log_loss"].mean()


def assert_one_line_error(result, pattern):
    """A user's mistake ends the run with one error line that matches ``pattern``, no traceback."""
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if "error:" in line]
    assert len(errors) == 1, result.stderr
    assert result.stderr.strip().splitlines()[-1] == errors[0]
    assert errors[0].startswith("python -m sklearn_neuron: error:")
    assert re.search(pattern, errors[0]), errors[0]


def test_main_job_matches_a_direct_cross_validation(tmp_path):
    result = run_module(cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert "breast cancer" in lines[0]
    X, y = load_breast_cancer(return_X_y=True)
    for name, model in [
        ("NeuronClassifier(learning_rule='sigmoid')", NeuronClassifier()),
        ("LogisticRegression()", LogisticRegression()),
    ]:
        expected = reference_scores(make_pipeline(StandardScaler(), model), X, y)
        assert table_row(result.stdout, name) == pytest.approx(expected, abs=5e-5)
    assert "limited to 1 thread" in result.stdout
    epochs = lines[lines.index(next(x for x in lines if "mistakes per epoch" in x)) + 1]
    assert all(count.isdigit() for count in epochs.split())


def test_version(tmp_path):
    result = run_module("--version", cwd=tmp_path)
    assert result.returncode == 0
    assert result.stdout.split() == ["sklearn-neuron", __version__]


def test_help(tmp_path):
    result = run_module("--help", cwd=tmp_path)
    assert result.returncode == 0
    for option in ["--csv", "--sep", "--drop", "--impute", "--max-levels", "--threads"]:
        assert option in result.stdout


@pytest.fixture
def iris_csv(tmp_path):
    X, y = load_iris(return_X_y=True)
    names = np.array(["setosa", "versicolor", "virginica"])[y]
    path = tmp_path / "flowers.csv"
    rows = ["sepal length,sepal width,petal length,petal width,species"]
    rows += [",".join([*map(str, features), name]) for features, name in zip(X, names, strict=True)]
    path.write_text("\n".join(rows) + "\n")
    return path


def test_csv_file_of_the_user_matches_a_direct_cross_validation(iris_csv, tmp_path):
    result = run_module("--csv", iris_csv, "--target", "species", "--rule", "perceptron",
                        cwd=tmp_path)  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "150 samples, 4 features, 3 classes" in result.stdout
    assert "learning_rule='sigmoid'" not in result.stdout
    table = pandas.read_csv(iris_csv)
    X, y = table.drop(columns="species").to_numpy(), table["species"].to_numpy()
    model = make_pipeline(StandardScaler(), NeuronClassifier(learning_rule="perceptron"))
    expected = reference_scores(model, X, y)
    found = table_row(result.stdout, "NeuronClassifier(learning_rule='perceptron')")
    assert found == pytest.approx(expected, abs=5e-5)


def test_progress_goes_to_stderr_for_each_model_and_fold(iris_csv, tmp_path):
    result = run_module("--csv", iris_csv, "--target", "species", "--folds", "3", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "reading" in result.stderr.splitlines()[0]
    for model in ["learning_rule='sigmoid'", "LogisticRegression()", "Perceptron()"]:
        for fold in range(1, 4):
            assert re.search(rf"{re.escape(model)}.*fold {fold} of 3 done", result.stderr)
    assert " done" not in result.stdout
    quiet = run_module("--csv", iris_csv, "--target", "species", "--quiet", cwd=tmp_path)
    assert quiet.returncode == 0
    assert quiet.stderr == ""


@pytest.fixture
def customers():
    """A table as people keep them: an id, numbers, a colour as text, yes/no labels."""
    rng = np.random.default_rng(0)
    n = 240
    income, age = rng.normal(size=(2, n))
    colour = rng.choice(["red", "green", "blue"], size=n)
    label = np.where(income + (colour == "red") + 0.3 * rng.normal(size=n) > 0.3, "yes", "no")
    return pandas.DataFrame(
        {"id": np.arange(n), "income": income.round(4), "age": age.round(4),
         "colour": colour, "label": label}
    )  # fmt: skip


def reference_with_colour(customers, model):
    """A direct cross-validation of ``model`` with the colour one-hot encoded in each fold."""
    features = customers.drop(columns="label")
    encode = ColumnTransformer(
        [("numbers", StandardScaler(), ["id", "income", "age"]),
         ("text", OneHotEncoder(handle_unknown="ignore"), ["colour"])]
    )  # fmt: skip
    return reference_scores(make_pipeline(encode, model), features, customers["label"])


@pytest.mark.parametrize(
    "write, arguments",
    [
        (lambda table, path: table.to_csv(path, index=False, encoding="utf-8-sig"), []),
        (lambda table, path: table.to_csv(path, index=False, sep=";"), []),
        (lambda table, path: table.to_csv(path, index=False, sep=";"), ["--sep", ";"]),
        (lambda table, path: table.to_csv(path, index=False, sep="\t"), []),
        (lambda table, path: table.to_csv(path, index=False, sep="\t"), ["--sep", "tab"]),
        (lambda table, path: path.write_text(table.to_csv(index=False) + "\n"), []),
        (lambda table, path: path.write_text(
            table.replace("red", "rosé").to_csv(index=False), encoding="cp1252"),
         ["--encoding", "cp1252"]),
    ],
    ids=["byte-order mark", "semicolons", "--sep ;", "tabs", "--sep tab", "trailing blank line",
         "cp1252"],
)  # fmt: skip
def test_messy_files_read_as_the_table_they_hold(customers, tmp_path, write, arguments):
    path = tmp_path / "customers.csv"
    write(customers, path)
    result = run_module("--csv", path, "--target", "label", "--rule", "sigmoid", *arguments,
                        cwd=tmp_path)  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert f"{len(customers)} samples, 4 features, 2 classes" in result.stdout
    assert "text one-hot encoded" in result.stdout
    expected = reference_with_colour(customers, NeuronClassifier())
    found = table_row(result.stdout, "NeuronClassifier(learning_rule='sigmoid')")
    assert found == pytest.approx(expected, abs=5e-5)


def test_drop_leaves_a_column_out(customers, tmp_path):
    customers["name"] = [f"customer {i}" for i in range(len(customers))]
    path = tmp_path / "customers.csv"
    customers.to_csv(path, index=False)
    refused = run_module("--csv", path, "--target", "label", cwd=tmp_path)
    assert_one_line_error(refused, r"column 'name' holds text with 240 distinct .*--drop name")
    result = run_module("--csv", path, "--target", "label", "--drop", "name", "--drop", "id",
                        "--rule", "sigmoid", cwd=tmp_path)  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "3 features" in result.stdout
    features = customers[["income", "age", "colour"]]
    encode = ColumnTransformer(
        [("numbers", StandardScaler(), ["income", "age"]),
         ("text", OneHotEncoder(handle_unknown="ignore"), ["colour"])]
    )  # fmt: skip
    expected = reference_scores(make_pipeline(encode, LogisticRegression()), features,
                                customers["label"])  # fmt: skip
    assert table_row(result.stdout, "LogisticRegression()") == pytest.approx(expected, abs=5e-5)


def test_max_levels_sets_how_many_text_values_are_encoded(customers, tmp_path):
    path = tmp_path / "customers.csv"
    customers.to_csv(path, index=False)
    result = run_module("--csv", path, "--target", "label", "--max-levels", "2", cwd=tmp_path)
    assert_one_line_error(result, r"'colour' holds text with 3 distinct values.*--max-levels 2")


@pytest.mark.parametrize("missing", ["", "NA"], ids=["empty cell", "NA"])
def test_missing_values_are_named_then_imputed_on_request(customers, tmp_path, missing):
    customers["age"] = customers["age"].astype(object)
    customers.loc[[3, 17], "age"] = missing
    path = tmp_path / "customers.csv"
    customers.to_csv(path, index=False)
    refused = run_module("--csv", path, "--target", "label", cwd=tmp_path)
    assert_one_line_error(refused, r"missing values .* column 'age' \(2 of 240 rows\).*--impute")

    result = run_module("--csv", path, "--target", "label", "--impute", "median",
                        "--rule", "sigmoid", cwd=tmp_path)  # fmt: skip
    assert result.returncode == 0, result.stderr
    from sklearn.impute import SimpleImputer

    table = pandas.read_csv(path)
    encode = ColumnTransformer(
        [("numbers", make_pipeline(SimpleImputer(strategy="median"), StandardScaler()),
          ["id", "income", "age"]),
         ("text", OneHotEncoder(handle_unknown="ignore"), ["colour"])]
    )  # fmt: skip
    expected = reference_scores(make_pipeline(encode, NeuronClassifier()),
                                table.drop(columns="label"), table["label"])  # fmt: skip
    found = table_row(result.stdout, "NeuronClassifier(learning_rule='sigmoid')")
    assert found == pytest.approx(expected, abs=5e-5)


@pytest.mark.parametrize(
    "content, target, arguments, message",
    [
        (None, "y", [], "no such file"),
        ("a,b,y\n1,2,0\n3,4,1\n", "label", [], "no column 'label'.*its columns are: a, b, y"),
        ("a;b;y\n1;2;0\n3;4;1\n", "y", ["--sep", ","], r"is its delimiter ';'\? give --sep"),
        ("a,b,y\n1,x,0\n3,4,1\n", "y", [], "column 'b' holds numbers and text.*'x'"),
        ("a,b,y\n1,2,0\n3,4,0\n5,6,0\n", "y", [], "one class only"),
        ("a,b,y\n1,2,0\n3,4,1\n", "y", [], "fewer than the 5 cross-validation folds"),
        ("a,b,y\n1,2,0\n3,4,1,7\n", "y", [], "Expected 3 fields in line 3, saw 4"),
        ("", "y", [], "is empty"),
        ("a,b,y\n", "y", [], "no rows of data"),
        ("a,b,y\n1,2,\n3,4,1\n", "y", [], "target column 'y' is empty or NA in 1 rows"),
        ("a,b,y\n1,inf,0\n3,4,1\n", "y", [], "column 'b' holds infinite values"),
        ("a,y\n1,2\n", "y", ["--drop", "c"], "--drop names 'c', not a column"),
        ("a,y\n1,2\n", "y", ["--drop", "a"], "no feature column besides 'y'"),
        ("a,y\n1,2\n", "y", ["--encoding", "klingon"], "unknown --encoding 'klingon'"),
    ],
    ids=["missing file", "missing column", "wrong --sep", "stray word", "one class", "tiny",
         "ragged row", "empty file", "header only", "missing label", "infinity",
         "unknown --drop", "no features", "unknown encoding"],
)  # fmt: skip
def test_bad_input_gets_a_one_line_error(tmp_path, content, target, arguments, message):
    path = tmp_path / "data.csv"
    if content is not None:
        path.write_text(content)
    result = run_module("--csv", path, "--target", target, *arguments, cwd=tmp_path)
    assert_one_line_error(result, message)


def test_a_file_that_is_not_utf8_names_its_first_bad_byte(tmp_path):
    path = tmp_path / "data.csv"
    path.write_bytes("a,colour,y\n1,vert,0\n2,rosé,1\n".encode("latin-1"))
    result = run_module("--csv", path, "--target", "y", cwd=tmp_path)
    offset = path.read_bytes().index(b"\xe9")
    assert_one_line_error(result, rf"not utf-8 text: byte 0xe9 at offset {offset}.*--encoding")


def test_continuous_target_is_told_it_is_not_classes(tmp_path):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(100, 2))
    table = pandas.DataFrame({"a": X[:, 0], "b": X[:, 1], "price": X @ [3.0, 1.0] + 10})
    table.to_csv(tmp_path / "prices.csv", index=False)
    result = run_module("--csv", tmp_path / "prices.csv", "--target", "price", cwd=tmp_path)
    assert_one_line_error(result, r"looks like a measurement, not classes \(100 distinct")
    assert "--folds" not in result.stderr


def test_plot_saves_learning_curves_and_boundaries(iris_csv, tmp_path):
    pytest.importorskip("matplotlib", reason="--plot needs matplotlib (the plot extra)")
    picture = tmp_path / "neuron.png"
    result = run_module("--csv", iris_csv, "--target", "species", "--plot", picture, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert picture.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert str(picture) in result.stdout


def test_plot_of_a_file_with_one_feature(tmp_path):
    pytest.importorskip("matplotlib", reason="--plot needs matplotlib (the plot extra)")
    rng = np.random.default_rng(0)
    x = rng.normal(size=120)
    table = pandas.DataFrame({"x": x, "label": np.where(x > 0.2, "high", "low")})
    table.to_csv(tmp_path / "one.csv", index=False)
    picture = tmp_path / "one.png"
    result = run_module("--csv", tmp_path / "one.csv", "--target", "label", "--plot", picture,
                        cwd=tmp_path)  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert picture.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize(
    "picture, message",
    [("missing folder/neuron.png", "the folder .*missing folder does not exist"),
     ("neuron.unknown", r"one of matplotlib's formats .*\.png")],
    ids=["missing folder", "unknown format"],
)  # fmt: skip
def test_plot_is_refused_before_any_training(iris_csv, tmp_path, picture, message):
    pytest.importorskip("matplotlib", reason="--plot needs matplotlib (the plot extra)")
    result = run_module("--csv", iris_csv, "--target", "species", "--plot", tmp_path / picture,
                        cwd=tmp_path)  # fmt: skip
    assert_one_line_error(result, message)
    # Refused before the file was even read, so before any model trained.
    assert "reading" not in result.stderr
    assert result.stdout == ""


# Runs the command line in a Python where importing these packages fails, as where they are
# not installed.
WITHOUT = """
import sys
class NotInstalled:
    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] in %r:
            raise ModuleNotFoundError(f"No module named {name!r}")
sys.meta_path.insert(0, NotInstalled())
"""
RUN = "from sklearn_neuron.__main__ import main; main(%r)\n"


@pytest.mark.parametrize(
    "missing, arguments, message",
    [(["pandas"], ["--csv", "data.csv", "--target", "y"], r"pandas.*sklearn-neuron\[csv\]"),
     (["matplotlib"], ["--plot", "neuron.png"], r"matplotlib.*sklearn-neuron\[plot\]")],
    ids=["--csv without pandas", "--plot without matplotlib"],
)  # fmt: skip
def test_an_optional_dependency_that_is_missing_says_how_to_install_it(
    tmp_path, missing, arguments, message
):
    (tmp_path / "data.csv").write_text("a,y\n1,0\n2,1\n")
    code = WITHOUT % (missing,) + RUN % (arguments,)
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            cwd=tmp_path, timeout=300)  # fmt: skip
    assert_one_line_error(result, message)


def test_main_job_needs_neither_pandas_nor_matplotlib(tmp_path):
    code = WITHOUT % (["pandas", "matplotlib"],) + RUN % (["--quiet", "--rule", "sigmoid"],)
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            cwd=tmp_path, timeout=300)  # fmt: skip
    assert result.returncode == 0, result.stderr
    accuracy, _ = table_row(result.stdout, "NeuronClassifier(learning_rule='sigmoid')")
    assert accuracy > 0.9

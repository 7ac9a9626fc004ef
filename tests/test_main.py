"""``python -m sklearn_neuron``, the main job, as a user runs it."""

import re
import subprocess
import sys

import numpy as np
import pytest
from sklearn.datasets import load_iris

from sklearn_neuron.__main__ import main


def run_module(*arguments, cwd):
    return subprocess.run(
        [sys.executable, "-m", "sklearn_neuron", *arguments],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=300,
    )


def test_main_job_prints_the_comparison_and_the_epoch_table(tmp_path):
    result = run_module(cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert "breast cancer" in lines[0]
    for model in ["learning_rule='sigmoid'", "learning_rule='perceptron'", "LogisticRegression"]:
        row = next(line for line in lines if model in line)
        assert 0.9 < float(row.split()[-3]) <= 1.0
    epochs = lines[lines.index(next(x for x in lines if "mistakes per epoch" in x)) + 1]
    assert all(count.isdigit() for count in epochs.split())


@pytest.fixture
def iris_csv(tmp_path):
    X, y = load_iris(return_X_y=True)
    names = np.array(["setosa", "versicolor", "virginica"])[y]
    path = tmp_path / "flowers.csv"
    rows = ["sepal length,sepal width,petal length,petal width,species"]
    rows += [",".join([*map(str, features), name]) for features, name in zip(X, names, strict=True)]
    path.write_text("\n".join(rows) + "\n")
    return path


def test_csv_file_of_the_user(iris_csv, capsys):
    main(["--csv", str(iris_csv), "--target", "species", "--rule", "perceptron"])
    output = capsys.readouterr().out
    assert "150 samples, 4 features, 3 classes" in output
    row = next(line for line in output.splitlines() if "learning_rule='perceptron'" in line)
    assert float(row.split()[-3]) > 0.85
    assert "learning_rule='sigmoid'" not in output


def test_plot_saves_learning_curves_and_boundaries(iris_csv, tmp_path, capsys):
    pytest.importorskip("matplotlib", reason="--plot needs the docs extra's matplotlib")
    picture = tmp_path / "neuron.png"
    main(["--csv", str(iris_csv), "--target", "species", "--plot", str(picture)])
    assert picture.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert str(picture) in capsys.readouterr().out


@pytest.mark.parametrize(
    "content, target, message",
    [
        (None, "y", "no such file"),
        ("a,b,y\n1,2,0\n3,4,1\n", "label", "no column 'label'"),
        ("a,b,y\n1,x,0\n3,4,1\n", "y", "column 'b' of .* is not numeric"),
        ("a,b,y\n1,2,0\n3,4,0\n5,6,0\n", "y", "one class only"),
        ("a,b,y\n1,,0\n3,4,1\n", "y", "not numeric"),
        ("a,b,y\n1,2,0\n3,4,1\n", "y", "fewer than the 5 cross-validation folds"),
    ],
    ids=["missing file", "missing column", "text feature", "one class", "empty cell", "tiny"],
)
def test_bad_input_gets_a_one_line_error(tmp_path, content, target, message):
    path = tmp_path / "data.csv"
    if content is not None:
        path.write_text(content)
    result = run_module("--csv", str(path), "--target", target, cwd=tmp_path)
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("python -m sklearn_neuron: error:")
    assert re.search(message, lines[0])


def test_help(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["--help"])
    assert exit_.value.code == 0
    assert "--csv" in capsys.readouterr().out

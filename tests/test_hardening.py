"""Hardening: bad input, random problems, persistence, read-only data, threads, installation."""

import dataclasses
import importlib.metadata
import json
import os
import pickle
import shutil
import subprocess
import sys
import threading
import warnings
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import joblib
import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.datasets import make_classification
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.validation import validate_data

import sklearn_neuron
from sklearn_neuron import NeuronClassifier, _kernels, _validation

RULES = ["sigmoid", "perceptron"]
BATCH_SIZES = ["auto", 1]


def run_python(script, env=None, cwd=None):
    """Run ``script`` in a fresh interpreter; return its stdout, failing on a non-zero exit."""
    result = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


# --- 1. Bad input gets a clear error, never one from the compiled kernels -------


@pytest.fixture(scope="module")
def small():
    X = np.random.default_rng(0).normal(size=(20, 3))
    return X, (X[:, 0] > 0).astype(int)


def fitted(X, y):
    return NeuronClassifier().fit(X, y)


def with_value(X, value):
    X = X.copy()
    X[3, 1] = value
    return X


def frame(X):
    return pd.DataFrame(X, columns=["height", "width", "depth"])


def words(X):
    return np.where(X > 0, "big", "small")


# Each row: id, build(X, y) -> (model, X, y, keyword arguments), call, error, message.
# ``y`` and the keyword arguments go to fit and partial_fit only.
BAD_INPUT = [
    ("NaN in X", lambda X, y: (NeuronClassifier(), with_value(X, np.nan), y, {}),
     "fit", ValueError, "Input X contains NaN"),
    ("NaN in X at predict_proba", lambda X, y: (fitted(X, y), with_value(X, np.nan), y, {}),
     "predict_proba", ValueError, "Input X contains NaN"),
    ("inf in X", lambda X, y: (NeuronClassifier(), with_value(X, np.inf), y, {}),
     "fit", ValueError, "Input X contains infinity"),
    ("inf in X at partial_fit",
     lambda X, y: (NeuronClassifier(), with_value(X, np.inf), y, {"classes": [0, 1]}),
     "partial_fit", ValueError, "Input X contains infinity"),
    ("-inf in X at decision_function",
     lambda X, y: (fitted(X, y), with_value(X, -np.inf), y, {}),
     "decision_function", ValueError, "Input X contains infinity"),
    ("NaN in sparse X",
     lambda X, y: (NeuronClassifier(), sp.csr_matrix(with_value(X, np.nan)), y, {}),
     "fit", ValueError, "Input X contains NaN"),
    ("-inf in float32 X at partial_fit",
     lambda X, y: (NeuronClassifier(), with_value(X, -np.inf).astype(np.float32), y,
                   {"classes": [0, 1]}),
     "partial_fit", ValueError, "Input X contains infinity"),
    ("empty X", lambda X, y: (NeuronClassifier(), X[:0], y[:0], {}),
     "fit", ValueError, r"Found array with 0 sample\(s\)"),
    ("empty X at predict", lambda X, y: (fitted(X, y), X[:0], y, {}),
     "predict", ValueError, r"Found array with 0 sample\(s\)"),
    ("one sample", lambda X, y: (NeuronClassifier(), X[:1], y[:1], {}),
     "fit", ValueError, "one class only.*at least 2 classes"),
    ("one class", lambda X, y: (NeuronClassifier(), X, np.zeros_like(y), {}),
     "fit", ValueError, "one class only.*at least 2 classes"),
    ("continuous y", lambda X, y: (NeuronClassifier(), X, X[:, 0], {}),
     "fit", ValueError, "Unknown label type: continuous"),
    ("continuous y at partial_fit",
     lambda X, y: (NeuronClassifier(), X, X[:, 0], {"classes": [0, 1]}),
     "partial_fit", ValueError, "Unknown label type: continuous"),
    ("multi-output y", lambda X, y: (NeuronClassifier(), X, np.c_[y, y], {}),
     "fit", ValueError, r"y should be a 1d array, got an array of shape \(20, 2\)"),
    ("multi-output y at partial_fit",
     lambda X, y: (NeuronClassifier(), X, np.c_[y, y], {"classes": [0, 1]}),
     "partial_fit", ValueError, r"y should be a 1d array, got an array of shape \(20, 2\)"),
    ("3-D X", lambda X, y: (NeuronClassifier(), X[:, :, None], y, {}),
     "fit", ValueError, "Found array with dim 3"),
    ("3-D X at predict", lambda X, y: (fitted(X, y), X[:, :, None], y, {}),
     "predict", ValueError, "Found array with dim 3"),
    ("strings in X", lambda X, y: (NeuronClassifier(), words(X), y, {}),
     "fit", ValueError, "could not convert string to float: .*'(big|small)'"),
    ("strings in X at predict", lambda X, y: (fitted(X, y), words(X), y, {}),
     "predict", ValueError, "could not convert string to float: .*'(big|small)'"),
    ("complex X", lambda X, y: (NeuronClassifier(), X + 1j, y, {}),
     "fit", ValueError, "Complex data not supported"),
    ("complex X at predict_proba", lambda X, y: (fitted(X, y), X + 1j, y, {}),
     "predict_proba", ValueError, "Complex data not supported"),
    ("object array of words", lambda X, y: (NeuronClassifier(), words(X).astype(object), y, {}),
     "fit", ValueError, "could not convert string to float"),
    ("object array of objects",
     lambda X, y: (NeuronClassifier(), np.full(X.shape, object()), y, {}),
     "fit", TypeError, "float.. argument must be a string or a real number"),
    ("object array with None",
     lambda X, y: (NeuronClassifier(), with_value(X.astype(object), None), y, {}),
     "fit", ValueError, "Input X contains NaN"),
    ("DataFrame columns reordered at predict",
     lambda X, y: (fitted(frame(X), y), frame(X)[["depth", "height", "width"]], y, {}),
     "predict", ValueError, "(?s)feature names should match.*in the same order"),
    ("DataFrame columns renamed at predict_proba",
     lambda X, y: (fitted(frame(X), y), frame(X).rename(columns={"width": "breadth"}), y, {}),
     "predict_proba", ValueError, "Feature names unseen at fit time:\n- breadth"),
    ("sample_weight of the wrong length",
     lambda X, y: (NeuronClassifier(), X, y, {"sample_weight": np.ones(5)}),
     "fit", ValueError, r"sample_weight.shape == \(5,\), expected \(20,\)"),
    ("sample_weight of the wrong length at partial_fit",
     lambda X, y: (NeuronClassifier(), X, y, {"sample_weight": np.ones(5), "classes": [0, 1]}),
     "partial_fit", ValueError, r"sample_weight.shape == \(5,\), expected \(20,\)"),
    ("negative sample_weight",
     lambda X, y: (NeuronClassifier(), X, y, {"sample_weight": np.r_[-1.0, np.ones(19)]}),
     "fit", ValueError, "Negative values in data passed to `sample_weight`"),
    ("negative sample_weight at partial_fit",
     lambda X, y: (NeuronClassifier(), X, y,
                   {"sample_weight": np.r_[-1.0, np.ones(19)], "classes": [0, 1]}),
     "partial_fit", ValueError, "Negative values in data passed to `sample_weight`"),
    ("NaN sample_weight",
     lambda X, y: (NeuronClassifier(), X, y, {"sample_weight": np.r_[np.nan, np.ones(19)]}),
     "fit", ValueError, "sample_weight contains NaN"),
    ("NaN sample_weight at partial_fit",
     lambda X, y: (NeuronClassifier(), X, y,
                   {"sample_weight": np.r_[np.nan, np.ones(19)], "classes": [0, 1]}),
     "partial_fit", ValueError, "sample_weight contains NaN"),
    ("unknown learning_rule", lambda X, y: (NeuronClassifier(learning_rule="hebb"), X, y, {}),
     "fit", ValueError, "'learning_rule' parameter .* Got 'hebb' instead"),
    ("unknown batch_size at partial_fit",
     lambda X, y: (NeuronClassifier(batch_size="all"), X, y, {"classes": [0, 1]}),
     "partial_fit", ValueError, "'batch_size' parameter .* Got 'all' instead"),
    ("unknown average", lambda X, y: (NeuronClassifier(average="sometimes"), X, y, {}),
     "fit", ValueError, "'average' parameter .* Got 'sometimes' instead"),
    ("wrong feature count at predict", lambda X, y: (fitted(X, y), X[:, :2], y, {}),
     "predict", ValueError, "X has 2 features, but NeuronClassifier is expecting 3 features"),
    ("wrong feature count at predict_proba", lambda X, y: (fitted(X, y), X[:, :2], y, {}),
     "predict_proba", ValueError, "X has 2 features, but NeuronClassifier is expecting 3"),
    ("wrong feature count at decision_function", lambda X, y: (fitted(X, y), X[:, :2], y, {}),
     "decision_function", ValueError, "X has 2 features, but NeuronClassifier is expecting 3"),
    ("wrong feature count at partial_fit", lambda X, y: (fitted(X, y), X[:, :2], y, {}),
     "partial_fit", ValueError, "X has 2 features, but NeuronClassifier is expecting 3"),
    ("partial_fit with an unseen label",
     lambda X, y: (NeuronClassifier().partial_fit(X, y, classes=[0, 1]), X, np.r_[7, y[1:]], {}),
     "partial_fit", ValueError, r"y has labels \[7\] that are not among the classes \[0, 1\]"),
    ("partial_fit without classes on the first call",
     lambda X, y: (NeuronClassifier(), X, y, {}),
     "partial_fit", ValueError, "classes must be passed on the first call to partial_fit"),
    ("predict before fit", lambda X, y: (NeuronClassifier(), X, y, {}),
     "predict", NotFittedError, "not fitted yet"),
    ("predict_proba before fit", lambda X, y: (NeuronClassifier(), X, y, {}),
     "predict_proba", NotFittedError, "not fitted yet"),
    ("decision_function before fit", lambda X, y: (NeuronClassifier(), X, y, {}),
     "decision_function", NotFittedError, "not fitted yet"),
]  # fmt: skip


def assert_plain_error(error):
    """The error, and every error it was raised from, speaks of the input, not of memoryviews."""
    while error is not None:
        for internal in ["Buffer dtype mismatch", "memoryview", "Traceback", "_kernels"]:
            assert internal not in str(error), repr(error)
        error = error.__cause__


@pytest.mark.parametrize(
    "build, call, error, message",
    [case[1:] for case in BAD_INPUT],
    ids=[case[0] for case in BAD_INPUT],
)
def test_bad_input_gets_a_clear_error(small, build, call, error, message):
    model, X, y, keywords = build(*small)
    method = getattr(model, call)
    with pytest.raises(error, match=message) as caught:
        if call in ("fit", "partial_fit"):
            method(X, y, **keywords)
        else:
            method(X)
    assert_plain_error(caught.value)


@pytest.mark.parametrize("learning_rule", RULES)
def test_object_array_of_numbers_is_converted_like_scikit_learn_does(small, learning_rule):
    """dtype=object holding floats is data, not an error: the same fit as the floats."""
    X, y = small
    params = dict(learning_rule=learning_rule, batch_size=1, random_state=0)
    as_objects = NeuronClassifier(**params).fit(X.astype(object), y)
    as_floats = NeuronClassifier(**params).fit(X, y)
    np.testing.assert_array_equal(as_objects.coef_, as_floats.coef_)
    np.testing.assert_array_equal(as_objects.intercept_, as_floats.intercept_)
    np.testing.assert_array_equal(
        as_floats.predict_proba(X.astype(object)), as_floats.predict_proba(X)
    )
    streamed = NeuronClassifier(**params).partial_fit(X.astype(object), y, classes=[0, 1])
    np.testing.assert_array_equal(
        streamed.coef_, NeuronClassifier(**params).partial_fit(X, y, classes=[0, 1]).coef_
    )


def test_prediction_input_is_checked_as_scikit_learn_checks_it(small):
    """A float array takes a shorter check at prediction: same answers, errors and warnings.

    scikit-learn's ``validate_data`` is the reference, through inputs that
    only it handles (a list of rows, a DataFrame).
    """
    X, y = small
    model = fitted(X, y)
    np.testing.assert_array_equal(model.decision_function(X), model.decision_function(X.tolist()))
    for wrong in [X[:, :2], X[:, :2].tolist()]:
        with pytest.raises(ValueError) as caught:
            model.predict(wrong)
        with pytest.raises(ValueError) as expected:
            validate_data(model, np.asarray(wrong), reset=False)
        assert str(caught.value) == str(expected.value)
    named = fitted(frame(X), y)
    with pytest.warns(UserWarning, match="X does not have valid feature names") as caught:
        named.predict(X)
    with pytest.warns(UserWarning) as expected:
        validate_data(named, X, reset=False)
    assert [str(w.message) for w in caught] == [str(w.message) for w in expected]


# --- 2. Properties of random problems -----------------------------------------


LABEL_SETS = {"ints": np.array([3, -1, 7, 0]), "strings": np.array(["ant", "bee", "cat", "dog"])}


@st.composite
def training_problems(draw):
    """Random data over 300 orders of magnitude; the seed draws the numbers."""
    n_samples = draw(st.integers(1, 60))
    n_features = draw(st.integers(1, 6))
    log_scale = draw(st.floats(-150, 150))
    dtype = draw(st.sampled_from([np.float32, np.float64]))
    labels = LABEL_SETS[draw(st.sampled_from(sorted(LABEL_SETS)))][: draw(st.integers(2, 4))]
    weighted = draw(st.booleans())
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    with np.errstate(over="ignore"):  # float32 overflows to inf beyond 3.4e38: fit must say so
        X = (rng.normal(size=(n_samples, n_features)) * 10.0**log_scale).astype(dtype)
    y = labels[rng.integers(len(labels), size=n_samples)]
    sample_weight = rng.uniform(0.1, 10.0, size=n_samples) if weighted else None
    return X, y, sample_weight


# Errors the user can act on; any other ValueError fails the test.
ACTIONABLE_MESSAGES = ["scale the features", "Input X contains infinity"]


# derandomize: CI runs the same examples every time; run with --hypothesis-seed to explore.
@settings(max_examples=1500, deadline=None, database=None, derandomize=True)
@given(
    problem=training_problems(),
    learning_rule=st.sampled_from(RULES),
    batch_size=st.sampled_from(BATCH_SIZES),
)
def test_random_problems_fit_to_consistent_finite_models(problem, learning_rule, batch_size):
    """A clear ValueError, or finite weights, probabilities that sum to 1 and
    agree with predict, no numerical warning, and a reproducible fit."""
    X, y, sample_weight = problem
    params = dict(learning_rule=learning_rule, batch_size=batch_size, random_state=0)
    with warnings.catch_warnings():
        # scikit-learn's own check of non-finite input may warn on its way to the error
        warnings.simplefilter("error" if np.all(np.isfinite(X)) else "ignore")
        if len(np.unique(y)) < 2:
            with pytest.raises(ValueError, match=r"at least 2 classes|Input X contains infinity"):
                NeuronClassifier(**params).fit(X, y, sample_weight=sample_weight)
            return
        warnings.simplefilter("ignore", ConvergenceWarning)
        try:
            model = NeuronClassifier(**params).fit(X, y, sample_weight=sample_weight)
        except ValueError as error:
            assert any(message in str(error) for message in ACTIONABLE_MESSAGES), error
            assert_plain_error(error)
            return
        again = NeuronClassifier(**params).fit(X, y, sample_weight=sample_weight)
        proba = model.predict_proba(X)
        predicted = model.predict(X)

    assert np.all(np.isfinite(model.coef_)) and np.all(np.isfinite(model.intercept_))
    assert 0 < model.temperature_ < np.inf
    assert set(model.classes_) == set(y)
    rtol = 1e-5 if X.dtype == np.float32 else 1e-12
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=rtol)
    # Where rounding leaves two classes exactly equally likely, argmax takes
    # the first; predict may take either, as both are right.
    top = proba.max(axis=1)
    unique_top = (proba == top[:, None]).sum(axis=1) == 1
    np.testing.assert_array_equal(
        model.classes_[proba.argmax(axis=1)][unique_top], predicted[unique_top]
    )
    predicted_index = np.searchsorted(model.classes_, predicted)
    np.testing.assert_array_equal(proba[np.arange(len(y)), predicted_index], top)
    np.testing.assert_array_equal(again.coef_, model.coef_)
    np.testing.assert_array_equal(again.intercept_, model.intercept_)


@pytest.mark.parametrize("batch_size", BATCH_SIZES)
def test_float32_features_near_overflow_get_finite_probabilities_or_a_clear_error(batch_size):
    """w·x of these samples is about 5e38, past float32's 3.4e38; in float64 it is fine."""
    X = np.array([[2e19], [-2e19]], dtype=np.float32)
    model = NeuronClassifier(learning_rule="perceptron", batch_size=batch_size)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        try:
            model.fit(X, [0, 1])
        except ValueError as error:
            assert "scale the features" in str(error)
            return
        proba = model.predict_proba(X)
    assert np.all(np.isfinite(proba))
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-5)


@pytest.mark.parametrize("call", ["fit", "partial_fit"])
@pytest.mark.parametrize(
    "dtype, scale", [(np.float32, 1e19), (np.float64, 1e155)], ids=["float32", "float64"]
)
def test_features_whose_squares_overflow_still_get_a_learning_rate(call, dtype, scale):
    """The same numbers learn in float64 (float32 case) or below 1e154 (float64 case);
    either the neuron learns too, or fit says what to do."""
    X = (np.array([[2.0], [-3.0], [2.5], [-1.0]]) * scale).astype(dtype)
    y = np.array([0, 1, 0, 1])
    model = NeuronClassifier(batch_size=1, random_state=0)
    try:
        if call == "fit":
            model.fit(X, y)
        else:
            model.partial_fit(X, y, classes=[0, 1])
    except ValueError as error:
        assert "scale the features" in str(error)
        return
    assert model.learning_rate_ > 0
    assert np.any(model.coef_ != 0)


def test_perceptron_temperature_stays_finite_for_features_near_1e150():
    """Found by the property test: probabilities must keep the ranking of the net input."""
    X = np.array([[1.0], [-1.0], [2.0], [-2.0]]) * 2e150
    model = NeuronClassifier(learning_rule="perceptron", batch_size=1, shuffle=False)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model.fit(X, [0, 0, 1, 1])
        proba = model.predict_proba(X)
    assert 0 < model.temperature_ < np.inf
    assert not [warning for warning in caught if warning.category is RuntimeWarning]
    scores = model.decision_function(X)
    np.testing.assert_array_equal(np.argsort(proba[:, 1]), np.argsort(scores))


# --- 3. Persistence -----------------------------------------------------------


@pytest.fixture(scope="module")
def three_classes():
    X, y = make_classification(300, 6, n_informative=4, n_classes=3, flip_y=0.05, random_state=0)
    return StandardScaler().fit_transform(X), np.array(["red", "green", "blue"])[y]


SERIALIZERS = {
    "pickle": (lambda model, path: path.write_bytes(pickle.dumps(model)),
               lambda path: pickle.loads(path.read_bytes())),
    "joblib": (lambda model, path: joblib.dump(model, path), joblib.load),
}  # fmt: skip


@pytest.mark.parametrize("serializer", sorted(SERIALIZERS))
@pytest.mark.parametrize("learning_rule", RULES)
def test_round_trip_predicts_the_same_and_trains_on_the_same(
    tmp_path, three_classes, serializer, learning_rule
):
    X, y = three_classes
    dump, load = SERIALIZERS[serializer]
    model = NeuronClassifier(learning_rule=learning_rule, batch_size=1, random_state=0)
    model.fit(X, y)
    dump(model, tmp_path / "model")
    restored = load(tmp_path / "model")
    np.testing.assert_array_equal(restored.predict_proba(X), model.predict_proba(X))
    np.testing.assert_array_equal(restored.predict(X), model.predict(X))
    # the training state (weights and running sums) survived too
    restored.partial_fit(X[:50], y[:50])
    model.partial_fit(X[:50], y[:50])
    np.testing.assert_array_equal(restored.coef_, model.coef_)


@pytest.mark.parametrize("learning_rule", RULES)
def test_model_unpickled_in_a_fresh_process_predicts_the_same(
    tmp_path, three_classes, learning_rule
):
    X, y = three_classes
    model = NeuronClassifier(learning_rule=learning_rule).fit(X, y)
    (tmp_path / "model.pkl").write_bytes(pickle.dumps(model))
    np.save(tmp_path / "X.npy", X)
    script = """
import json, pickle, numpy as np
model = pickle.load(open("model.pkl", "rb"))
X = np.load("X.npy")
print(json.dumps({"proba": model.predict_proba(X).tolist(),
                  "predicted": model.predict(X).tolist()}))
"""
    answers = json.loads(run_python(script, cwd=tmp_path))
    # json writes floats with repr: they come back bit for bit
    np.testing.assert_array_equal(np.array(answers["proba"]), model.predict_proba(X))
    assert answers["predicted"] == model.predict(X).tolist()


def objects_within(value, seen=None):
    """Every object reachable from ``value`` through attributes, dataclass fields and containers."""
    seen = set() if seen is None else seen
    if id(value) in seen:
        return
    seen.add(id(value))
    yield value
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        children = [getattr(value, field.name) for field in dataclasses.fields(value)]
    elif isinstance(value, dict):
        children = [*value.keys(), *value.values()]
    elif isinstance(value, list | tuple | set | frozenset):
        children = list(value)
    elif isinstance(value, np.ndarray) and value.dtype == object:
        children = list(value.ravel())
    elif hasattr(value, "__dict__") and not isinstance(value, type):
        children = list(vars(value).values())
    else:
        children = []
    for child in children:
        yield from objects_within(child, seen)


@pytest.mark.parametrize(
    "train",
    [
        lambda model, X, y: model.fit(X, y),
        lambda model, X, y: model.set_params(batch_size=1).fit(X, y),
        lambda model, X, y: model.set_params(early_stopping=True).fit(X, y),
        lambda model, X, y: model.partial_fit(X, y, classes=np.unique(y)),
    ],
    ids=["fit", "online fit", "early stopping", "partial_fit"],
)
@pytest.mark.parametrize("learning_rule", RULES)
def test_fitted_model_holds_plain_arrays_and_numbers(three_classes, train, learning_rule):
    """Nothing of ours but the estimator itself: a pickle names no other class of ours."""
    X, y = three_classes
    model = train(NeuronClassifier(learning_rule=learning_rule, random_state=0), X, y)
    kinds = {type(value).__module__.split(".")[0] for value in objects_within(model)}
    assert kinds <= {"builtins", "numpy", "sklearn_neuron"}
    ours = {type(value) for value in objects_within(model) if "sklearn_neuron" in str(type(value))}
    assert ours == {NeuronClassifier}
    assert b"sklearn_neuron._training" not in pickle.dumps(model)


TRUSTED_TYPES = ["sklearn_neuron._neuron.NeuronClassifier"]


@pytest.mark.parametrize("learning_rule", RULES)
@pytest.mark.parametrize("train", ["fit", "online fit", "partial_fit"])
def test_skops_round_trip_needs_only_our_own_types_trusted(
    tmp_path, three_classes, learning_rule, train
):
    sio = pytest.importorskip("skops.io", reason="skops is not installed")
    X, y = three_classes
    model = NeuronClassifier(learning_rule=learning_rule, random_state=0)
    if train == "partial_fit":
        model.partial_fit(X[:100], y[:100], classes=np.unique(y)).partial_fit(X[100:], y[100:])
    else:
        model.set_params(batch_size=1 if train == "online fit" else "auto").fit(X, y)
    sio.dump(model, tmp_path / "model.skops")
    assert set(sio.get_untrusted_types(file=tmp_path / "model.skops")) <= set(TRUSTED_TYPES)
    restored = sio.load(tmp_path / "model.skops", trusted=TRUSTED_TYPES)
    np.testing.assert_array_equal(restored.predict_proba(X), model.predict_proba(X))
    np.testing.assert_array_equal(restored.predict(X), model.predict(X))


# --- 4. Read-only input -------------------------------------------------------


@pytest.fixture(scope="module")
def binary():
    X, y = make_classification(200, 5, n_informative=3, flip_y=0.1, random_state=1)
    # a third of the entries zero, so that the CSR form is sparse
    return np.where(np.abs(X) < 0.4, 0.0, X), y


def read_only_array(X, tmp_path):
    X = X.copy()
    X.flags.writeable = False
    return X


def joblib_memmap(X, tmp_path):
    joblib.dump(X, tmp_path / "X.joblib")
    memmap = joblib.load(tmp_path / "X.joblib", mmap_mode="r")
    assert isinstance(memmap, np.memmap)
    return memmap


def read_only_csr(X, tmp_path):
    X = sp.csr_matrix(X)
    for part in (X.data, X.indices, X.indptr):
        part.flags.writeable = False
    return X


@pytest.mark.parametrize("make_read_only", [read_only_array, joblib_memmap, read_only_csr])
@pytest.mark.parametrize("batch_size", BATCH_SIZES)
@pytest.mark.parametrize("learning_rule", RULES)
def test_read_only_input_trains_and_predicts_like_a_writable_copy(
    tmp_path, binary, make_read_only, batch_size, learning_rule
):
    X, y = binary
    read_only = make_read_only(X, tmp_path)
    writable = sp.csr_matrix(X) if sp.issparse(read_only) else X.copy()
    params = dict(learning_rule=learning_rule, batch_size=batch_size, random_state=0)
    ours = NeuronClassifier(**params).fit(read_only, y)
    reference = NeuronClassifier(**params).fit(writable, y)
    np.testing.assert_array_equal(ours.coef_, reference.coef_)
    np.testing.assert_array_equal(ours.intercept_, reference.intercept_)
    np.testing.assert_array_equal(ours.predict(read_only), reference.predict(writable))
    np.testing.assert_array_equal(ours.predict_proba(read_only), reference.predict_proba(writable))
    streamed = NeuronClassifier(**params).partial_fit(read_only, y, classes=[0, 1])
    np.testing.assert_array_equal(
        streamed.coef_, NeuronClassifier(**params).partial_fit(writable, y, classes=[0, 1]).coef_
    )


def test_grid_search_in_two_processes_on_memmapped_data_matches_one_process(three_classes):
    X, y = three_classes
    grid = {
        "neuronclassifier__learning_rule": RULES,
        "neuronclassifier__batch_size": BATCH_SIZES,
    }
    pipeline = make_pipeline(StandardScaler(), NeuronClassifier(random_state=0))
    searches = {}
    # X is 14 kB: above 1 kB, joblib hands it to the workers as a read-only memmap
    with joblib.parallel_config(max_nbytes="1K"):
        for n_jobs in [1, 2]:
            searches[n_jobs] = GridSearchCV(pipeline, grid, cv=3, n_jobs=n_jobs).fit(X, y)
    np.testing.assert_array_equal(
        searches[2].cv_results_["mean_test_score"], searches[1].cv_results_["mean_test_score"]
    )
    assert searches[2].best_params_ == searches[1].best_params_
    np.testing.assert_array_equal(
        searches[2].best_estimator_[-1].coef_, searches[1].best_estimator_[-1].coef_
    )


def test_worker_process_trains_on_the_read_only_memmap_joblib_gives_it(three_classes):
    X, y = three_classes

    # defined here, cloudpickle sends it by value: the workers need not import this module
    def fit_in_worker(X, y, learning_rule):
        model = NeuronClassifier(learning_rule=learning_rule, batch_size=1, random_state=0)
        return isinstance(X, np.memmap) and not X.flags.writeable, model.fit(X, y).coef_

    results = joblib.Parallel(n_jobs=2, max_nbytes="1K")(
        joblib.delayed(fit_in_worker)(X, y, learning_rule) for learning_rule in RULES
    )
    for learning_rule, (was_read_only_memmap, coef) in zip(RULES, results, strict=True):
        assert was_read_only_memmap
        reference = NeuronClassifier(learning_rule=learning_rule, batch_size=1, random_state=0)
        np.testing.assert_array_equal(coef, reference.fit(X, y).coef_)


# --- 5. Threads ---------------------------------------------------------------


@pytest.fixture(scope="module")
def large():
    X, y = make_classification(
        20_000, 20, n_informative=10, n_classes=3, flip_y=0.05, random_state=2
    )
    return StandardScaler().fit_transform(X), y


def test_predict_proba_from_eight_threads_matches_one_thread(large):
    X, y = large
    model = NeuronClassifier(random_state=0).fit(X, y)
    expected = model.predict_proba(X)
    start = threading.Barrier(8)

    def predict(_):
        start.wait()
        return model.predict_proba(X)

    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(predict, range(8)))
    for answer in answers:
        np.testing.assert_array_equal(answer, expected)


@pytest.mark.parametrize("container", [np.asarray, sp.csr_matrix], ids=["dense", "csr"])
def test_two_fits_in_two_threads_match_fits_one_after_the_other(large, container):
    """Two fits in two threads, whose kernels run without the GIL, must not interfere."""
    X, y = large
    X = container(np.where(np.abs(X) < 0.5, 0.0, X))
    cases = [
        (dict(learning_rule="sigmoid"), y),
        (dict(learning_rule="perceptron"), (y == 1).astype(int)),
    ]

    def fit(params, labels, start=None):
        model = NeuronClassifier(batch_size=1, random_state=0, max_iter=5, tol=None, **params)
        if start is not None:
            start.wait()
        return model.fit(X, labels)

    one_after_the_other = [fit(*case) for case in cases]
    start = threading.Barrier(2)
    with ThreadPoolExecutor(2) as pool:
        futures = [pool.submit(fit, *case, start) for case in cases]
        at_once = [future.result() for future in futures]
    for sequential, concurrent in zip(one_after_the_other, at_once, strict=True):
        np.testing.assert_array_equal(concurrent.coef_, sequential.coef_)
        np.testing.assert_array_equal(concurrent.intercept_, sequential.intercept_)


def test_an_epoch_lets_other_threads_run(large):
    """The epoch releases the GIL: Python code in another thread runs meanwhile."""
    X, y = large
    X = np.tile(X, (20, 1))
    targets = np.tile(y == 1, 20).astype(np.intp)
    coef, intercept = np.zeros((1, X.shape[1])), np.zeros(1)
    started = threading.Event()

    def learn():
        started.set()
        _kernels.epoch(
            X, targets, np.ones(len(X)), np.arange(len(X)), coef, intercept, _kernels.SIGMOID,
            0.01, 0.0, 1, True, np.zeros_like(coef), np.zeros(1), np.zeros(1, dtype=np.int64),
        )  # fmt: skip

    thread = threading.Thread(target=learn)
    thread.start()
    started.wait()
    steps_meanwhile = 0
    while thread.is_alive():
        steps_meanwhile += 1
    thread.join()
    # holding the GIL, the epoch would leave this thread a handful of steps at most
    assert steps_meanwhile > 1000


# --- 6. Installation ----------------------------------------------------------


def files_under(directory):
    return sorted(str(path.relative_to(directory)) for path in directory.rglob("*"))


def test_read_only_install_imports_and_fits(tmp_path):
    """The compiled kernels load from a folder nobody may write to, and nothing is written."""
    site = tmp_path / "site"
    shutil.copytree(
        Path(sklearn_neuron.__file__).parent,
        site / "sklearn_neuron",
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    for directory, _, names in os.walk(site):
        for name in names:
            os.chmod(Path(directory, name), 0o444)
        os.chmod(directory, 0o555)
    installed = files_under(site)
    env = dict(os.environ, PYTHONPATH=str(site), PYTHONDONTWRITEBYTECODE="1")
    script = """
import json, sklearn_neuron
from sklearn_neuron import NeuronClassifier
X, y = [[0.0, 1.0], [1.0, 0.0], [0.0, 2.0], [2.0, 0.0]], [0, 1, 0, 1]
predictions = [
    NeuronClassifier(learning_rule=rule, batch_size=1).fit(X, y).predict(X).tolist()
    for rule in ["sigmoid", "perceptron"]
]
print(json.dumps({"file": sklearn_neuron.__file__, "predictions": predictions}))
"""
    try:
        report = json.loads(run_python(script, env=env, cwd=tmp_path))
        written = sorted(set(files_under(site)) - set(installed))
    finally:
        for directory, _, _ in os.walk(site):
            os.chmod(directory, 0o755)  # let pytest clean up tmp_path
    assert Path(report["file"]).is_relative_to(site)
    assert report["predictions"] == [[0, 1, 0, 1], [0, 1, 0, 1]]
    assert written == []


def test_no_fit_imports_numba_and_the_distribution_does_not_require_it():
    """Every kind of fit runs on the kernels built at install: no JIT, no compiler at run time."""
    requirements = importlib.metadata.requires("sklearn-neuron") or []
    runtime = [line.split()[0] for line in requirements if "extra ==" not in line]
    assert not [name for name in runtime if name.startswith(("numba", "llvmlite"))]
    script = f"""
import json, sys
sys.path.insert(0, {str(Path(__file__).parent)!r})
import numpy as np, scipy.sparse as sp
from sklearn.datasets import make_classification
from sklearn_neuron import NeuronClassifier
for n_classes in [2, 3]:
    X, y = make_classification(60, 4, n_informative=3, n_redundant=0, n_classes=n_classes,
                               random_state=0)
    for rule in ["sigmoid", "perceptron"]:
        for batch_size in ["auto", 1]:
            for data in [X, X.astype(np.float32), sp.csr_matrix(X)]:
                NeuronClassifier(learning_rule=rule, batch_size=batch_size).fit(data, y)
                NeuronClassifier(learning_rule=rule).partial_fit(data, y, classes=np.unique(y))
print(json.dumps(sorted(name for name in sys.modules if name.startswith(("numba", "llvmlite")))))
"""
    assert json.loads(run_python(script)) == []


@pytest.mark.parametrize("method", ["fit", "partial_fit"])
def test_finite_float32_near_its_largest_value_is_refused_without_warnings(method):
    """Found by the property test: scikit-learn's finiteness check sums X, which overflows."""
    rng = np.random.default_rng(0)
    X = (rng.uniform(-1, 1, size=(8, 6)) * 2.3e38).astype(np.float32)
    y = np.array([3, 3, 3, -1, 3, -1, 3, 3])
    model = NeuronClassifier()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(ValueError, match="scale the features"):
            if method == "fit":
                model.fit(X, y)
            else:
                model.partial_fit(X, y, classes=[-1, 3])


@pytest.mark.parametrize(
    "make_X",
    [np.asarray, lambda X: X.astype(np.float32), sp.csr_matrix],
    ids=["float64", "float32", "csr"],
)
def test_row_squared_norms_are_numpys(make_X):
    """The one pass that checks X and feeds the step: each row's ‖x‖², as numpy sums it."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(50, 7)) * np.where(rng.random((50, 7)) < 0.4, 0.0, 3.0)
    X[5] = 0.0  # a row of zeros (an empty row, sparse)
    X = make_X(X)
    dense = X.toarray() if sp.issparse(X) else X
    expected = np.sum(dense.astype(np.float64) ** 2, axis=1)
    np.testing.assert_allclose(_validation.checked_squared_norms(X), expected, rtol=1e-12)


@pytest.mark.parametrize("share", [0.5, 1.5])
def test_features_are_refused_when_a_rows_squared_norm_nears_the_dtypes_range(share):
    """``‖x‖²`` (in float64) against the largest float32 / 16: below, it passes;
    above, the error says what to do."""
    bound = float(np.finfo(np.float32).max) / 16
    X = np.zeros((3, 4), dtype=np.float32)
    X[0, :2] = np.sqrt(share * bound / 2)  # ‖x‖² = share · bound, every value finite
    if share < 1:
        assert _validation.checked_squared_norms(X)[0] == pytest.approx(share * bound, rel=1e-6)
    else:
        with pytest.raises(ValueError, match=r"too large for float32.*or pass float64"):
            _validation.checked_squared_norms(X)

"""The ONNX export: onnxruntime answers as predict and predict_proba do, and as the formulas say."""

import copy
import subprocess
import sys
from functools import cache

import numpy as np
import pytest
from sklearn.datasets import load_breast_cancer, load_digits, load_iris, load_wine
from sklearn.exceptions import NotFittedError
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_neuron import NeuronClassifier

skl2onnx = pytest.importorskip("skl2onnx")
onnx = pytest.importorskip("onnx")
onnxruntime = pytest.importorskip("onnxruntime")
import sklearn_neuron.onnx  # noqa: E402, F401  (registers the converter)

DATASETS = {
    "breast cancer": load_breast_cancer,  # two classes: one neuron
    "iris": load_iris,
    "wine": load_wine,
    "digits": load_digits,
}
RULES = ["sigmoid", "perceptron"]
# float32 input: the probabilities come out in float32
PROBABILITY_TOLERANCE = 1e-5


# --- Helpers -------------------------------------------------------------------


@cache
def dataset(name):
    X, y = DATASETS[name](return_X_y=True)
    return X, y


@cache
def fitted(name, rule, in_pipeline):
    """A neuron fitted on a bundled data set: in a scaling pipeline, or alone on scaled data."""
    X, y = dataset(name)
    neuron = NeuronClassifier(learning_rule=rule, random_state=0)
    if in_pipeline:
        return make_pipeline(StandardScaler(), neuron).fit(X, y), X
    X = StandardScaler().fit_transform(X)
    return neuron.fit(X, y), X


def session_for(model, X, **options):
    """An onnxruntime session for the model, converted from X's first row with these options."""
    graph = skl2onnx.to_onnx(model, X[:1], options={NeuronClassifier: options} if options else None)
    return onnxruntime.InferenceSession(
        graph.SerializeToString(), providers=["CPUExecutionProvider"]
    )


def run(model, X, **options):
    """The graph's outputs for X: the labels, then the probabilities."""
    session = session_for(model, X, **options)
    return session.run(None, {session.get_inputs()[0].name: X})


def tensor_outputs(model, X):
    """Labels and probabilities as two arrays (zipmap=False)."""
    labels, probabilities = run(model, X, zipmap=False)
    return labels, probabilities


def neuron_and_its_input(model, X):
    """The neuron at the end of a model, and what reaches it from X."""
    if hasattr(model, "steps"):
        return model[-1], model[:-1].transform(X)
    return model, X


def reference_net_input(neuron, X):
    """``z = X coef_ᵀ + intercept_``, in float64, written out from the attributes."""
    return X.astype(np.float64) @ neuron.coef_.T.astype(np.float64) + neuron.intercept_


def reference_labels(neuron, X):
    """``classes_[z > 0]`` for one neuron, ``classes_[argmax z]`` (first on ties) otherwise."""
    z = reference_net_input(neuron, X)
    if z.shape[1] == 1:
        return neuron.classes_[(z[:, 0] > 0).astype(int)]
    return neuron.classes_[np.argmax(z, axis=1)]


def reference_probabilities(neuron, X):
    """``[1 − s, s]`` with ``s = 1 / (1 + exp(−z / T))``, or the softmax of ``z / T``."""
    u = reference_net_input(neuron, X) / neuron.temperature_
    if u.shape[1] == 1:
        with np.errstate(over="ignore"):
            s = 1.0 / (1.0 + np.exp(-u[:, 0]))
        return np.column_stack([1.0 - s, s])
    exponentials = np.exp(u - u.max(axis=1, keepdims=True))
    return exponentials / exponentials.sum(axis=1, keepdims=True)


def assert_matches_model(model, X, labels, probabilities, tolerance=PROBABILITY_TOLERANCE):
    """The graph's outputs equal predict and predict_proba, and the formulas."""
    np.testing.assert_array_equal(labels, model.predict(X))
    np.testing.assert_allclose(probabilities, model.predict_proba(X), rtol=0, atol=tolerance)
    neuron, neuron_input = neuron_and_its_input(model, X)
    np.testing.assert_array_equal(labels, reference_labels(neuron, neuron_input))
    np.testing.assert_allclose(
        probabilities, reference_probabilities(neuron, neuron_input), rtol=0, atol=tolerance
    )
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, rtol=0, atol=tolerance)


# --- Agreement with predict and predict_proba ------------------------------------


@pytest.mark.parametrize("in_pipeline", [False, True], ids=["alone", "pipeline"])
@pytest.mark.parametrize("rule", RULES)
@pytest.mark.parametrize("name", list(DATASETS))
def test_float32_graph_matches_predict_and_predict_proba(name, rule, in_pipeline):
    model, X = fitted(name, rule, in_pipeline)
    X = X.astype(np.float32)
    labels, probabilities = tensor_outputs(model, X)
    assert labels.dtype == np.int64
    assert probabilities.dtype == np.float32
    assert probabilities.shape == (len(X), len(model.classes_))
    assert_matches_model(model, X, labels, probabilities)


@pytest.mark.parametrize("rule", RULES)
@pytest.mark.parametrize("name", ["breast cancer", "wine"])
def test_float64_graph_computes_in_double(name, rule):
    model, X = fitted(name, rule, in_pipeline=True)
    labels, probabilities = tensor_outputs(model, X)
    assert probabilities.dtype == np.float64
    assert_matches_model(model, X, labels, probabilities, tolerance=1e-12)


@pytest.mark.parametrize("name", ["breast cancer", "iris"])
def test_default_options_with_float64_input(name):
    """to_onnx(model, X[:1]) as it comes: float64 samples, probabilities through the ZipMap."""
    model, X = fitted(name, "perceptron", in_pipeline=True)
    labels, dictionaries = run(model, X)
    np.testing.assert_array_equal(labels, model.predict(X))
    expected = model.predict_proba(X)
    assert [list(row) for row in dictionaries] == [model.classes_.tolist()] * len(X)
    probabilities = np.array([list(row.values()) for row in dictionaries])
    np.testing.assert_allclose(probabilities, expected, rtol=0, atol=PROBABILITY_TOLERANCE)


def test_zipmap_columns_gives_one_output_per_class():
    model, X = fitted("iris", "sigmoid", in_pipeline=True)
    X = X.astype(np.float32)
    labels, *columns = run(model, X, zipmap="columns")
    np.testing.assert_array_equal(labels, model.predict(X))
    np.testing.assert_allclose(
        np.column_stack(columns), model.predict_proba(X), rtol=0, atol=PROBABILITY_TOLERANCE
    )


@pytest.mark.parametrize("rule", RULES)
def test_float32_weights_keep_the_graph_in_float32(rule):
    """Fitted on float32, the neuron computes in float32, and so does its graph."""
    X, y = dataset("wine")
    X = StandardScaler().fit_transform(X).astype(np.float32)
    neuron = NeuronClassifier(learning_rule=rule, random_state=0).fit(X, y)
    assert neuron.coef_.dtype == np.float32
    graph = skl2onnx.to_onnx(neuron, X[:1], options={NeuronClassifier: {"zipmap": False}})
    assert all(
        initializer.data_type != onnx.TensorProto.DOUBLE for initializer in graph.graph.initializer
    )
    casts = [node for node in graph.graph.node if node.op_type == "Cast"]
    assert all(
        attribute.i != onnx.TensorProto.DOUBLE for node in casts for attribute in node.attribute
    )
    labels, probabilities = tensor_outputs(neuron, X)
    assert_matches_model(neuron, X, labels, probabilities)


def test_temperature_divides_the_net_input():
    """A temperature set by hand reaches the graph: it is not sigmoid(z), nor sigmoid(2z)."""
    neuron, X = fitted("breast cancer", "sigmoid", in_pipeline=False)
    neuron = copy.deepcopy(neuron)  # the fitted neuron is shared with other tests
    neuron.temperature_ = 3.0
    X = X.astype(np.float32)
    labels, probabilities = tensor_outputs(neuron, X)
    assert_matches_model(neuron, X, labels, probabilities)
    z = reference_net_input(neuron, X)[:, 0]
    np.testing.assert_allclose(probabilities[:, 1], 1 / (1 + np.exp(-z / 3.0)), atol=1e-6)


# --- Labels -----------------------------------------------------------------------


def labelled(name, labels_of):
    """The data set's samples, scaled, with each class renamed by ``labels_of``."""
    X, y = dataset(name)
    return StandardScaler().fit_transform(X).astype(np.float32), labels_of(y)


LABELLINGS = {
    "strings": lambda y: np.array(["setosa", "versicolor", "virginica", "fourth"])[y],
    "object strings": lambda y: np.array(["a", "b", "c", "d"], dtype=object)[y],
    "sparse integers": lambda y: y * 1_000_003 - 7,
    "large integers": lambda y: y.astype(np.int64) * 2**40,
    "small unsigned integers": lambda y: y.astype(np.uint8),
    "whole floats": lambda y: y.astype(np.float64),
}


@pytest.mark.parametrize("zipmap", [False, True], ids=["tensor", "zipmap"])
@pytest.mark.parametrize("labelling", list(LABELLINGS))
@pytest.mark.parametrize("name", ["breast cancer", "iris"])
def test_labels_of_any_type_come_out_exactly(name, labelling, zipmap):
    X, y = labelled(name, LABELLINGS[labelling])
    neuron = NeuronClassifier(random_state=0).fit(X, y)
    labels, probabilities = run(neuron, X, zipmap=zipmap)
    np.testing.assert_array_equal(labels, neuron.predict(X))
    assert labels.dtype == (object if neuron.classes_.dtype.kind in "UO" else np.int64)
    if zipmap:
        assert list(probabilities[0]) == neuron.classes_.tolist()
        probabilities = np.array([list(row.values()) for row in probabilities])
    np.testing.assert_allclose(
        probabilities, neuron.predict_proba(X), rtol=0, atol=PROBABILITY_TOLERANCE
    )


def test_boolean_labels_come_out_as_zero_and_one():
    X, y = labelled("breast cancer", lambda y: y == 1)
    neuron = NeuronClassifier(random_state=0).fit(X, y)
    labels, _ = tensor_outputs(neuron, X)
    assert labels.dtype == np.int64
    np.testing.assert_array_equal(labels, neuron.predict(X).astype(np.int64))


def test_labels_without_an_onnx_type_are_refused_with_what_to_do():
    X, y = labelled("breast cancer", lambda y: y)
    neuron = NeuronClassifier(random_state=0).fit(X, y)
    neuron.classes_ = np.array([0.5, 1.5])
    for zipmap in [False, True]:
        with pytest.raises(ValueError, match=r"int64 or strings.*LabelEncoder"):
            skl2onnx.to_onnx(neuron, X[:1], options={NeuronClassifier: {"zipmap": zipmap}})
    # nocl=True returns the index in classes_ instead, whatever the labels
    labels, _ = run(neuron, X, zipmap=False, nocl=True)
    np.testing.assert_array_equal(neuron.classes_[labels], neuron.predict(X))


def test_integer_labels_beyond_int64_are_refused():
    X, y = labelled("breast cancer", lambda y: y.astype(np.uint64) * np.uint64(2**63 + 1))
    neuron = NeuronClassifier(random_state=0).fit(X, y)
    with pytest.raises(ValueError, match="do not fit in int64"):
        skl2onnx.to_onnx(neuron, X[:1])


# --- Ties: the first class, as in predict ------------------------------------------


def test_zero_net_input_gives_the_first_class():
    X, y = labelled("breast cancer", lambda y: y)
    neuron = NeuronClassifier(random_state=0).fit(X, y)
    neuron.coef_ = np.zeros_like(neuron.coef_)
    neuron.intercept_ = np.zeros_like(neuron.intercept_)
    labels, probabilities = tensor_outputs(neuron, X)
    np.testing.assert_array_equal(labels, neuron.predict(X))
    assert set(labels) == {neuron.classes_[0]}
    np.testing.assert_allclose(probabilities, 0.5)


def test_equal_net_inputs_give_the_first_of_them():
    X, y = labelled("iris", lambda y: y)
    neuron = NeuronClassifier(random_state=0).fit(X, y)
    # the second and third neurons tie, ahead of the first
    neuron.coef_ = np.zeros_like(neuron.coef_)
    neuron.intercept_ = np.array([0.0, 1.0, 1.0], dtype=neuron.intercept_.dtype)
    labels, _ = tensor_outputs(neuron, X)
    np.testing.assert_array_equal(labels, neuron.predict(X))
    assert set(labels) == {neuron.classes_[1]}


# --- Errors ------------------------------------------------------------------------------


@pytest.mark.parametrize("in_pipeline", [False, True], ids=["alone", "pipeline"])
def test_unfitted_neuron_is_refused(in_pipeline):
    X, _ = dataset("iris")
    model = NeuronClassifier()
    if in_pipeline:
        model = make_pipeline(StandardScaler(), model)
    with pytest.raises(NotFittedError, match="not fitted yet"):
        skl2onnx.to_onnx(model, X[:1].astype(np.float32))


def test_wrong_number_of_features_is_refused():
    neuron, X = fitted("iris", "sigmoid", in_pipeline=False)
    with pytest.raises(ValueError, match="3 features, but the neuron was fitted on 4"):
        skl2onnx.to_onnx(neuron, X[:1, :3].astype(np.float32))


def test_integer_input_is_refused_with_what_to_do():
    neuron, X = fitted("iris", "sigmoid", in_pipeline=False)
    with pytest.raises(TypeError, match=r"float32 or float64 samples.*astype"):
        skl2onnx.to_onnx(neuron, X[:1].astype(np.int64))


# --- The graph ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("breast cancer", {"MatMul", "Add", "Div", "Sigmoid", "Greater", "Gather"}),
        ("iris", {"MatMul", "Add", "Div", "Softmax", "ArgMax", "Gather"}),
    ],
)
def test_graph_is_made_of_standard_operators(name, expected):
    neuron, X = fitted(name, "perceptron", in_pipeline=False)
    graph = skl2onnx.to_onnx(
        neuron, X[:1].astype(np.float32), options={NeuronClassifier: {"zipmap": False}}
    )
    operators = {node.op_type for node in graph.graph.node}
    assert expected <= operators
    # no ai.onnx.ml operators: any runtime of the standard operators can serve it
    assert all(node.domain == "" for node in graph.graph.node)


def test_importing_the_package_does_not_import_skl2onnx():
    code = (
        "import sys, sklearn_neuron\n"
        "loaded = sorted(m for m in sys.modules if m.split('.')[0] in "
        "{'skl2onnx', 'onnx', 'onnxruntime'})\n"
        "assert not loaded, loaded\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)

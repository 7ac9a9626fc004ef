"""The edges of the input space: streams of mixed chunks, weights of any scale, any dtype.

Each test compares the neuron with an independent reference: the same data
given another way (repeated rows for weights, dense rows for CSR, the data
cast by hand), scikit-learn's ``LogisticRegression``, or the temperature
fitted by hand on every row of a stream.
"""

import numpy as np
import pytest
import scipy.sparse as sp
from scipy.optimize import minimize_scalar
from scipy.special import log_softmax
from sklearn.linear_model import LogisticRegression

from sklearn_neuron import NeuronClassifier


@pytest.fixture
def binary():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(80, 3))
    y = (X[:, 0] + 0.5 * X[:, 1] + 0.7 * rng.normal(size=80) > 0).astype(int)
    return X, y


def stream(model, chunks, classes):
    for X, y in chunks:
        model.partial_fit(X, y, classes=classes)
    return model


# -- streams of mixed chunks -------------------------------------------------


@pytest.mark.parametrize("kinds", [("dense", "csr"), ("csr", "dense"), ("csr", "csr")])
def test_perceptron_streams_mixed_dense_and_sparse_chunks(kinds):
    """A stream of dense and CSR chunks learns what the same rows, all dense, teach."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(120, 6))
    y = (X[:, 0] - X[:, 1] > 0).astype(int)
    halves = [(X[:60], y[:60]), (X[60:], y[60:])]
    as_given = [
        (sp.csr_matrix(part) if kind == "csr" else part, labels)
        for kind, (part, labels) in zip(kinds, halves, strict=True)
    ]
    params = dict(learning_rule="perceptron", random_state=0)
    model = stream(NeuronClassifier(**params), as_given, [0, 1])
    reference = stream(NeuronClassifier(**params), halves, [0, 1])
    np.testing.assert_allclose(model.coef_, reference.coef_, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(model.temperature_, reference.temperature_, rtol=1e-10)
    np.testing.assert_allclose(model.predict_proba(X), reference.predict_proba(X), rtol=1e-10)


def test_perceptron_streams_sparse_chunks_of_any_density():
    """Wide rows, then rows with one stored value: as the same rows dense."""
    rng = np.random.default_rng(0)
    wide = rng.normal(size=(600, 2048))
    narrow = np.eye(10, 2048)
    y_wide, y_narrow = rng.integers(0, 2, 600), np.arange(10) % 2
    params = dict(learning_rule="perceptron", random_state=0)
    model = stream(
        NeuronClassifier(**params),
        [(sp.csr_matrix(wide), y_wide), (sp.csr_matrix(narrow), y_narrow)],
        [0, 1],
    )
    reference = stream(NeuronClassifier(**params), [(wide, y_wide), (narrow, y_narrow)], [0, 1])
    np.testing.assert_allclose(model.coef_, reference.coef_, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(model.temperature_, reference.temperature_, rtol=1e-8)


def platt_temperature(z, y):
    """The temperature that minimises the log-loss against Platt's targets, by hand."""
    sizes = np.bincount(y, minlength=2).astype(float)
    own = (sizes[y] + 1) / (sizes[y] + 2)
    soft = np.column_stack([1 - own, own])
    soft[y == 0] = soft[y == 0][:, ::-1]
    scores = np.column_stack([np.zeros_like(z), z])

    def loss(log_temperature):
        log_proba = log_softmax(scores / np.exp(log_temperature), axis=1)
        return -np.mean(np.sum(soft * log_proba, axis=1))

    return float(np.exp(minimize_scalar(loss, bounds=(-12, 12), method="bounded").x))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_perceptron_stream_temperature_comes_from_all_streamed_rows(seed):
    """An int random_state samples the whole stream: the temperature of all its rows.

    The first chunks are nearly separable and the later ones noisy: a
    sample drawn mostly from the first chunks would make the neuron far too
    sure of itself.
    """
    rng = np.random.default_rng(seed)
    n_chunks, rows = 50, 100
    X = rng.normal(size=(n_chunks * rows, 4))
    noise = np.repeat(np.linspace(0.0, 3.0, n_chunks), rows)
    y = (X[:, 0] + noise * rng.normal(size=len(X)) > 0).astype(int)
    chunks = [(X[i : i + rows], y[i : i + rows]) for i in range(0, len(X), rows)]
    model = stream(NeuronClassifier(learning_rule="perceptron", random_state=seed), chunks, [0, 1])
    reference = platt_temperature(model.decision_function(X), y)
    # the sample holds 1,000 of the 5,000 rows: within its sampling noise
    assert abs(np.log(model.temperature_ / reference)) < 0.15


# -- sample weights and class weights -------------------------------------------


@pytest.mark.parametrize("learning_rule", ["sigmoid", "perceptron"])
def test_balanced_class_weight_counts_sample_weights(binary, learning_rule):
    """Weighted rows and the same rows repeated weigh their classes alike."""
    X, y = binary
    weights = np.random.default_rng(1).integers(1, 4, size=len(y))
    model = NeuronClassifier(learning_rule=learning_rule, class_weight="balanced")
    weighted = model.fit(X, y, sample_weight=weights)
    coef, intercept = weighted.coef_.copy(), weighted.intercept_.copy()
    repeated = model.fit(np.repeat(X, weights, axis=0), np.repeat(y, weights))
    np.testing.assert_allclose(coef, repeated.coef_, rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(intercept, repeated.intercept_, rtol=1e-6, atol=1e-9)


def test_balanced_class_weight_matches_logistic_regression(binary):
    """The sigmoid rule's full batch with "balanced" weights is LogisticRegression's optimum
    with the weighted classes balanced: S / (n_classes · S_k), as scikit-learn computes
    them from version 1.7 on (1.6 ignored the sample weights there)."""
    X, y = binary
    weights = np.random.default_rng(1).uniform(0.2, 3.0, size=len(y))
    ours = NeuronClassifier(class_weight="balanced", tol=1e-10).fit(X, y, sample_weight=weights)
    sizes = np.bincount(y, weights=weights)
    balanced = {k: weights.sum() / (2 * sizes[k]) for k in (0, 1)}
    reference = LogisticRegression(class_weight=balanced, tol=1e-12, max_iter=10_000)
    reference.fit(X, y, sample_weight=weights)
    np.testing.assert_allclose(ours.coef_, reference.coef_, rtol=1e-5)
    np.testing.assert_allclose(ours.intercept_, reference.intercept_, rtol=1e-5)


@pytest.mark.parametrize("batch_size", ["auto", 1])
@pytest.mark.parametrize("scale", [1e-320, 1e-300, 1 / 80, 1000.0, 1e300])
def test_perceptron_model_does_not_depend_on_the_scale_of_the_weights(binary, batch_size, scale):
    """For a given alpha any positive scale of the weights gives the same model.

    Its weights, its temperature and so its probabilities: weights summing
    to 1, or denormal, count as unit weights do.
    """
    X, y = binary
    ratios = np.random.default_rng(2).integers(1, 4, size=len(y)).astype(float)
    params = dict(learning_rule="perceptron", batch_size=batch_size, random_state=0)
    reference = NeuronClassifier(**params).fit(X, y, sample_weight=ratios)
    model = NeuronClassifier(**params).fit(X, y, sample_weight=ratios * scale)
    np.testing.assert_allclose(model.coef_, reference.coef_, rtol=1e-6)
    np.testing.assert_allclose(model.temperature_, reference.temperature_, rtol=1e-6)
    np.testing.assert_allclose(model.predict_proba(X), reference.predict_proba(X), rtol=1e-6)


def test_perceptron_probabilities_of_weighted_rows_are_those_of_repeated_rows(binary):
    """Integer weights count as the rows repeated, in the probabilities too."""
    X, y = binary
    weights = np.random.default_rng(3).integers(0, 4, size=len(y))
    weights[0] = 1
    model = NeuronClassifier(learning_rule="perceptron")
    weighted = model.fit(X, y, sample_weight=weights).predict_proba(X)
    repeated = model.fit(np.repeat(X, weights, axis=0), np.repeat(y, weights)).predict_proba(X)
    np.testing.assert_allclose(weighted, repeated, rtol=1e-7)


@pytest.mark.parametrize("learning_rule", ["sigmoid", "perceptron"])
def test_a_number_as_sample_weight_weighs_every_sample(binary, learning_rule):
    """``sample_weight=2.0`` is two for every sample, as in LogisticRegression."""
    X, y = binary
    model = NeuronClassifier(learning_rule=learning_rule)
    scalar = model.fit(X, y, sample_weight=2.0).coef_.copy()
    np.testing.assert_allclose(scalar, model.fit(X, y, sample_weight=np.full(len(y), 2.0)).coef_)
    if learning_rule == "sigmoid":  # alpha="auto" from the weights' sum: C=1 on the sum
        reference = LogisticRegression(tol=1e-10).fit(X, y, sample_weight=2.0)
        np.testing.assert_allclose(scalar, reference.coef_, rtol=1e-4)


@pytest.mark.parametrize("class_weight", [{0: -1, 1: 1}, {0: np.inf, 1: 1}, {0: np.nan, 1: 1}])
def test_class_weights_that_are_negative_or_not_finite_are_refused(binary, class_weight):
    X, y = binary
    with pytest.raises(ValueError, match="class_weight gives the classes"):
        NeuronClassifier(class_weight=class_weight).fit(X, y)


# -- dtypes and sparse storage -----------------------------------------------------


@pytest.mark.parametrize(
    "convert", [lambda X: X, lambda X: X.tolist(), lambda X: np.round(X * 10).astype(np.int64)]
)
def test_partial_fit_after_float32_casts_to_float32(binary, convert):
    """Float64, a list or integers go on training a float32 neuron as float32 data would."""
    X, y = binary
    first = X[:40].astype(np.float32)
    later = convert(X[40:])
    params = dict(batch_size=1, random_state=0)
    model = NeuronClassifier(**params).fit(first, y[:40]).partial_fit(later, y[40:])
    by_hand = np.asarray(later, dtype=np.float64).astype(np.float32)
    reference = NeuronClassifier(**params).fit(first, y[:40]).partial_fit(by_hand, y[40:])
    assert model.coef_.dtype == np.float32
    np.testing.assert_array_equal(model.coef_, reference.coef_)


@pytest.mark.parametrize("batch_size", ["auto", 1])
def test_warm_start_in_another_dtype_trains_in_the_fitted_one(binary, batch_size):
    X, y = binary
    params = dict(batch_size=batch_size, warm_start=True, random_state=0)
    model = NeuronClassifier(**params).fit(X.astype(np.float32), y).fit(X, y)
    reference = NeuronClassifier(**params).fit(X.astype(np.float32), y)
    reference.fit(X.astype(np.float32), y)
    assert model.coef_.dtype == np.float32
    np.testing.assert_array_equal(model.coef_, reference.coef_)


def with_duplicate_entries(X):
    """CSR X with every stored value split into two halves, stored twice."""
    coo = sp.coo_matrix(X)
    rows, columns = np.repeat(coo.row, 2), np.repeat(coo.col, 2)
    values = np.repeat(coo.data / 2, 2)
    indptr = np.searchsorted(rows, np.arange(X.shape[0] + 1))
    return sp.csr_matrix((values, columns, indptr), shape=X.shape)


@pytest.mark.parametrize("batch_size", ["auto", 1])
@pytest.mark.parametrize("learning_rule", ["sigmoid", "perceptron"])
def test_csr_with_duplicate_entries_is_the_summed_matrix(binary, batch_size, learning_rule):
    """scipy reads entries stored twice as their sum; so does the neuron."""
    X, y = binary
    X = np.where(np.abs(X) < 0.5, 0.0, X)
    duplicated = with_duplicate_entries(X)
    assert duplicated.nnz == 2 * np.count_nonzero(X)
    stored = duplicated.data.copy()
    params = dict(learning_rule=learning_rule, batch_size=batch_size, random_state=0)
    model = NeuronClassifier(**params).fit(duplicated, y)
    reference = NeuronClassifier(**params).fit(sp.csr_matrix(X), y)
    np.testing.assert_allclose(model.coef_, reference.coef_, rtol=1e-12, atol=1e-14)
    assert model.learning_rate_ == reference.learning_rate_
    np.testing.assert_array_equal(duplicated.data, stored)  # the user's X is left as it was


def test_partial_fit_after_a_balanced_fit_keeps_its_class_weights(binary):
    """After fit, "balanced" goes on with the class weights fit computed on all of y."""
    X, y = binary
    from sklearn.utils.class_weight import compute_class_weight

    resolved = compute_class_weight("balanced", classes=np.array([0, 1]), y=y)
    params = dict(batch_size=1, random_state=0)
    model = NeuronClassifier(class_weight="balanced", **params).fit(X, y)
    model.partial_fit(X[:30], y[:30])
    reference = NeuronClassifier(class_weight={0: resolved[0], 1: resolved[1]}, **params)
    reference.fit(X, y).partial_fit(X[:30], y[:30])
    np.testing.assert_allclose(model.coef_, reference.coef_, rtol=1e-12)
    with pytest.raises(ValueError, match="call fit first"):
        NeuronClassifier(class_weight="balanced").partial_fit(X, y, classes=[0, 1])


def test_partial_fit_after_an_early_stopped_fit_learns_from_the_whole_chunk(binary):
    X, y = binary
    model = NeuronClassifier(early_stopping=True, batch_size=1, random_state=0).fit(X, y)
    reference = NeuronClassifier(early_stopping=True, batch_size=1, random_state=0).fit(X, y)
    model.partial_fit(X[:30], y[:30])
    reference.set_params(early_stopping=False).partial_fit(X[:30], y[:30])
    np.testing.assert_array_equal(model.coef_, reference.coef_)
    with pytest.raises(ValueError, match="call fit first"):
        NeuronClassifier(early_stopping=True).partial_fit(X, y, classes=[0, 1])

"""NeuronClassifier as a scikit-learn classifier: accuracy, composition, probabilities, errors."""

import pickle

import numpy as np
import pytest
import scipy.sparse as sp
from scipy.special import log_softmax, softmax
from sklearn.base import clone
from sklearn.datasets import load_breast_cancer, load_digits, load_iris, load_wine
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression, Perceptron
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_neuron import NeuronClassifier
from sklearn_neuron._validation import classes_and_targets

BUNDLED = [load_breast_cancer, load_digits, load_wine, load_iris]
RULES = ["sigmoid", "perceptron"]


def mean_cv_accuracy(estimator):
    scores = []
    for load in BUNDLED:
        X, y = load(return_X_y=True)
        scores.append(
            cross_val_score(make_pipeline(StandardScaler(), estimator), X, y, cv=5).mean()
        )
    return np.mean(scores)


def test_sigmoid_rule_is_as_accurate_as_logistic_regression():
    ours = mean_cv_accuracy(NeuronClassifier(learning_rule="sigmoid"))
    assert ours >= mean_cv_accuracy(LogisticRegression()) - 0.01


def test_perceptron_rule_is_at_least_as_accurate_as_perceptron():
    ours = mean_cv_accuracy(NeuronClassifier(learning_rule="perceptron"))
    assert ours >= mean_cv_accuracy(Perceptron())


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return StandardScaler().fit_transform(X), y


@pytest.fixture(scope="module")
def cancer():
    X, y = load_breast_cancer(return_X_y=True)
    return StandardScaler().fit_transform(X), y


def test_grid_search_over_rule_penalty_and_batch_size_in_a_pipeline():
    X, y = load_iris(return_X_y=True)
    labels = np.array(["setosa", "versicolor", "virginica"])[y]
    pipeline = make_pipeline(StandardScaler(), NeuronClassifier(random_state=0))
    grid = {
        "neuronclassifier__learning_rule": RULES,
        "neuronclassifier__alpha": [1e-4, 1e-2],
        "neuronclassifier__batch_size": ["auto", 16],
    }
    search = GridSearchCV(pipeline, grid, cv=3, n_jobs=2).fit(X, labels)
    assert len(search.cv_results_["params"]) == 8
    assert search.best_score_ > 0.85
    assert set(search.predict(X)) <= set(labels)
    assert list(search.best_estimator_[-1].classes_) == list(labels[[0, 50, 100]])


@pytest.mark.parametrize("learning_rule", RULES)
def test_string_labels_and_pickle_round_trip(cancer, learning_rule):
    X, y = cancer
    labels = np.where(y == 1, "benign", "malignant")
    model = NeuronClassifier(learning_rule=learning_rule).fit(X, labels)
    assert set(model.predict(X)) == {"benign", "malignant"}
    restored = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(restored.predict(X), model.predict(X))
    np.testing.assert_array_equal(restored.predict_proba(X), model.predict_proba(X))


@pytest.mark.parametrize(
    "y",
    [
        np.random.default_rng(0).integers(0, 2, 1000),
        np.random.default_rng(1).integers(-5, 5, 1000).astype(np.int8),
        np.array([127, -128, 0, 127], dtype=np.int8),  # the range overflows int8
        np.array([3, 3, 7], dtype=np.uint64),
        np.array([2**63 + 1, 2**63 + 2], dtype=np.uint64),  # beyond the index range
        np.array([0, 10**9, 0]),  # a range too wide to count
        np.array([2**63 - 1, -(2**63)]),
        np.array([1.5, 0.5, 1.5]),
        np.array(["b", "a", "b"]),
        np.array([True, False, True]),
    ],
)
def test_labels_are_encoded_as_numpy_unique_does(y):
    classes, targets = classes_and_targets(y)
    expected_classes, expected_targets = np.unique(y, return_inverse=True)
    assert classes.dtype == expected_classes.dtype
    np.testing.assert_array_equal(classes, expected_classes)
    np.testing.assert_array_equal(targets, expected_targets)


def test_clone_keeps_parameters_and_drops_fitted_state(cancer):
    X, y = cancer
    model = NeuronClassifier(learning_rule="perceptron", alpha=0.01, batch_size=8).fit(X, y)
    copy = clone(model)
    assert copy.get_params() == model.get_params()
    assert not hasattr(copy, "coef_")


@pytest.mark.parametrize("learning_rule", RULES)
@pytest.mark.parametrize("data", ["cancer", "digits"])
@pytest.mark.parametrize("scale", [1.0, 1e3])
def test_probabilities_are_scipys_softmax_of_the_tempered_net_input(
    request, learning_rule, data, scale
):
    """Against scipy: softmax and log-softmax of z / T (z against 0 for two classes)."""
    X, y = request.getfixturevalue(data)
    model = NeuronClassifier(learning_rule=learning_rule).fit(X, y)
    X = X * scale  # large net inputs, where probabilities reach 0 and 1
    z = model.decision_function(X) / model.temperature_
    if z.ndim == 1:
        z = np.column_stack([np.zeros_like(z), z])
    np.testing.assert_allclose(model.predict_proba(X), softmax(z, axis=1), rtol=1e-12, atol=1e-300)
    np.testing.assert_allclose(
        model.predict_log_proba(X), log_softmax(z, axis=1), rtol=1e-12, atol=1e-12
    )


@pytest.mark.parametrize("learning_rule", RULES)
@pytest.mark.parametrize("data", ["cancer", "digits"])
def test_probabilities_agree_with_predict_and_are_never_hard(request, learning_rule, data):
    X, y = request.getfixturevalue(data)
    model = NeuronClassifier(learning_rule=learning_rule).fit(X, y)
    proba = model.predict_proba(X)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    np.testing.assert_array_equal(model.classes_[proba.argmax(axis=1)], model.predict(X))
    np.testing.assert_allclose(np.exp(model.predict_log_proba(X)), proba, rtol=1e-12, atol=1e-300)
    # not a step's hard 0/1: short of float rounding, the most likely class is short of 1
    assert np.mean(proba.max(axis=1) < 1) > 0.8
    # neither hard 0/1 nor flat: the probabilities spread
    assert len(np.unique(proba.round(6))) > len(y) // 10


def test_perceptron_probabilities_keep_the_ranking_of_the_net_input(cancer):
    X, y = cancer
    model = NeuronClassifier(learning_rule="perceptron").fit(X, y)
    scores = model.decision_function(X)
    order = np.argsort(scores, kind="stable")
    assert np.all(np.diff(model.predict_proba(X)[order, 1]) >= 0)
    assert model.temperature_ > 0


def test_temperature_honours_sample_weight(cancer):
    """An integer weight is the same as repeating the sample, temperature included."""
    X, y = cancer
    weights = np.random.default_rng(0).integers(0, 3, size=len(y))
    weighted = NeuronClassifier(learning_rule="perceptron").fit(X, y, sample_weight=weights)
    repeated = NeuronClassifier(learning_rule="perceptron").fit(
        np.repeat(X, weights, axis=0), np.repeat(y, weights)
    )
    np.testing.assert_allclose(weighted.temperature_, repeated.temperature_, rtol=1e-6)


@pytest.mark.parametrize("learning_rule", RULES)
def test_sparse_input_gives_the_dense_result(digits, learning_rule):
    X, y = digits
    for batch_size in [len(y), 1]:  # the full batch, and online
        params = dict(learning_rule=learning_rule, batch_size=batch_size, random_state=0)
        dense = NeuronClassifier(**params).fit(X, y)
        sparse = NeuronClassifier(**params).fit(sp.csr_matrix(X), y)
        np.testing.assert_allclose(sparse.coef_, dense.coef_, rtol=1e-8, atol=1e-8)
        np.testing.assert_allclose(
            sparse.predict_proba(sp.csr_matrix(X)), dense.predict_proba(X), atol=1e-8
        )


def test_class_weight_balanced_favours_the_small_class(cancer):
    X, y = cancer
    keep = np.r_[np.flatnonzero(y == 0)[:30], np.flatnonzero(y == 1)]
    X, y = X[keep], y[keep]
    plain = NeuronClassifier(alpha=0.1).fit(X, y)
    balanced = NeuronClassifier(alpha=0.1, class_weight="balanced").fit(X, y)
    assert (balanced.predict(X) == 0).sum() > (plain.predict(X) == 0).sum()


# --- Bad input gets a clear error --------------------------------------------


@pytest.fixture
def small():
    X = np.random.default_rng(0).normal(size=(20, 3))
    return X, (X[:, 0] > 0).astype(int)


def nan_in(X):
    X = X.copy()
    X[3, 1] = np.nan
    return X


def inf_in(X):
    X = X.copy()
    X[3, 1] = np.inf
    return X


BAD_FIT_INPUT = [
    ("NaN in X", lambda X, y: (nan_in(X), y, None), ValueError, "NaN"),
    ("inf in X", lambda X, y: (inf_in(X), y, None), ValueError, "infinity"),
    ("empty X", lambda X, y: (X[:0], y[:0], None), ValueError, "0 sample"),
    ("one class", lambda X, y: (X, np.zeros_like(y), None), ValueError, "at least 2 classes"),
    ("continuous y", lambda X, y: (X, X[:, 0], None), ValueError, "Unknown label type"),
    (
        "negative weight",
        lambda X, y: (X, y, -np.ones(len(y))),
        ValueError,
        "Negative values in data passed to `sample_weight`",
    ),
    (
        "all-zero weights",
        lambda X, y: (X, y, np.zeros(len(y))),
        ValueError,
        "give some samples a positive weight",
    ),
    (
        "NaN weight",
        lambda X, y: (X, y, np.r_[np.nan, np.ones(len(y) - 1)]),
        ValueError,
        "sample_weight contains NaN",
    ),
    (
        "weights of one class only",
        lambda X, y: (X, y, (y == 1).astype(float)),
        ValueError,
        "at least 2 classes with positive weight",
    ),
    (
        "strings in X",
        lambda X, y: (X.astype(str).astype(object) + "a", y, None),
        ValueError,
        "convert",
    ),
]


@pytest.mark.parametrize(
    "make_input, error, message",
    [case[1:] for case in BAD_FIT_INPUT],
    ids=[case[0] for case in BAD_FIT_INPUT],
)
def test_bad_fit_input_gets_a_clear_error(small, make_input, error, message):
    X, y, sample_weight = make_input(*small)
    with pytest.raises(error, match=message):
        NeuronClassifier().fit(X, y, sample_weight=sample_weight)


@pytest.mark.parametrize(
    "params, message",
    [
        ({"learning_rule": "hebb"}, "learning_rule"),
        ({"batch_size": 0}, "batch_size"),
        ({"batch_size": "all"}, "batch_size"),
        ({"learning_rate": -1.0}, "learning_rate"),
        ({"alpha": -0.1}, "alpha"),
        ({"max_iter": 0}, "max_iter"),
        ({"class_weight": "even"}, "class_weight"),
        ({"learning_rate": 100.0, "alpha": 0.1, "batch_size": 1}, "lower learning_rate or alpha"),
    ],
)
def test_unknown_parameter_values_get_a_clear_error(small, params, message):
    with pytest.raises(ValueError, match=message):
        NeuronClassifier(**params).fit(*small)


def test_wrong_feature_count_at_predict(small):
    X, y = small
    model = NeuronClassifier().fit(X, y)
    for method in ["predict", "predict_proba", "predict_log_proba", "decision_function"]:
        with pytest.raises(ValueError, match="3 features"):
            getattr(model, method)(X[:, :2])


def test_predict_before_fit(small):
    X, _ = small
    for method in ["predict", "predict_proba", "predict_log_proba", "decision_function"]:
        with pytest.raises(NotFittedError):
            getattr(NeuronClassifier(), method)(X)


def test_diverging_training_says_what_to_do():
    X = np.array([[1e300, -1e300], [-1e300, 1e300], [1e300, 1e300]])
    with pytest.raises(ValueError, match="scale the features"):
        NeuronClassifier(
            learning_rule="perceptron", batch_size=1, alpha=0, tol=None, max_iter=5
        ).fit(X, [0, 1, 1])


@pytest.mark.parametrize("learning_rule", RULES)
@pytest.mark.parametrize("batch_size", ["auto", 1])
def test_float32_input_keeps_float32_and_matches_float64(digits, learning_rule, batch_size):
    X, y = digits
    params = dict(learning_rule=learning_rule, batch_size=batch_size, random_state=0)
    single = NeuronClassifier(**params).fit(X.astype(np.float32), y)
    double = NeuronClassifier(**params).fit(X, y)
    assert single.coef_.dtype == np.float32
    assert single.intercept_.dtype == np.float32
    for method in ["decision_function", "predict_proba", "predict_log_proba"]:
        assert getattr(single, method)(X.astype(np.float32)).dtype == np.float32
    agreement = np.mean(single.predict(X) == double.predict(X))
    assert agreement > 0.97


@pytest.mark.parametrize(
    "y",
    [
        np.array([0, 1, 1, 0]),
        np.array([3, -7, 3, 12], dtype=np.int8),
        np.array([True, False, True, True]),
        np.array([0.0, 1.0, 1.0, 0.0]),
        np.array([0.5, 1.5, 2.0, 0.1]),
        np.array(["a", "b", "a", "c"], dtype=object),
    ],
)
def test_target_check_agrees_with_scikit_learns(y):
    """The fast path for integer labels accepts and refuses what scikit-learn does."""
    from sklearn.utils.multiclass import check_classification_targets

    from sklearn_neuron._validation import check_targets

    try:
        check_classification_targets(y)
    except ValueError as error:
        with pytest.raises(ValueError, match=str(error)[:20]):
            check_targets(y)
    else:
        check_targets(y)

"""The engine's stopping rules and passes, each against an independent reference."""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.datasets import load_iris, make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression, SGDClassifier
from sklearn.preprocessing import StandardScaler

from sklearn_neuron import NeuronClassifier, _full_batch, _full_batch_kernels


@pytest.fixture
def iris_one_class():
    X, y = load_iris(return_X_y=True)
    return StandardScaler().fit_transform(X), (y == 1).astype(int)


@pytest.mark.parametrize("tol", [None, 0.0])
def test_full_batch_without_a_tolerance_goes_to_the_optimum_without_a_warning(iris_one_class, tol):
    """tol=None and tol=0 run to max_iter or to where no step lowers the objective:
    LogisticRegression's optimum to its own precision, and no warning."""
    X, y = iris_one_class
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model = NeuronClassifier(tol=tol, max_iter=42).fit(X, y)
    reference = LogisticRegression(C=1.0, tol=1e-14, max_iter=10_000).fit(X, y)
    assert model.n_iter_ <= 42
    np.testing.assert_allclose(model.coef_, reference.coef_, rtol=1e-6)


def test_full_batch_warns_of_max_iter_only_when_it_was_reached(iris_one_class):
    X, y = iris_one_class
    with pytest.warns(ConvergenceWarning, match="max_iter=2"):
        model = NeuronClassifier(max_iter=2).fit(X, y)
    assert model.n_iter_ == 2


def test_float32_full_batch_at_the_defaults_says_no_false_thing(iris_one_class):
    """In float32 the solver may reach the rounding floor before tol: never a
    false 'raise max_iter', and the weights of the float64 fit to float32's precision."""
    X, y = iris_one_class
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        warnings.filterwarnings("ignore", message="The solver stopped .* at the rounding floor")
        ours = NeuronClassifier(tol=0.0).fit(X.astype(np.float32), y)
    reference = NeuronClassifier(tol=0.0).fit(X, y)
    np.testing.assert_allclose(ours.coef_, reference.coef_, rtol=1e-3, atol=1e-4)


def test_full_batch_perceptron_does_not_stop_on_a_zero_step_while_mistakes_remain():
    """Samples on the boundary of both classes cancel their pushes: weighted rows and
    the same rows repeated must still give one model."""
    X = np.array([[0.0], [1.0], [0.0], [-1.0]])
    y = np.array([0, 1, 1, 0])
    weights = np.array([1, 1, 1, 3])
    model = NeuronClassifier(learning_rule="perceptron")
    weighted = model.fit(X, y, sample_weight=weights).decision_function(X)
    repeated = model.fit(np.repeat(X, weights, axis=0), np.repeat(y, weights))
    np.testing.assert_allclose(weighted, repeated.decision_function(X), atol=1e-12)


@pytest.mark.parametrize("learning_rule", ["perceptron", "sigmoid"])
@pytest.mark.parametrize("batch_size", [1, 8, "auto"])
def test_a_large_penalty_raises_no_floating_point_error(learning_rule, batch_size):
    """scikit-learn's test_large_regularization: under np.errstate(all="raise") the
    weights shrink to zero, as SGDClassifier's do, with no floating-point error."""
    X, y = load_iris(return_X_y=True)
    with np.errstate(all="raise"):
        model = NeuronClassifier(
            learning_rule=learning_rule, batch_size=batch_size, alpha=1e5, shuffle=False,
            tol=None, max_iter=6,
        ).fit(X, y)  # fmt: skip
        reference = SGDClassifier(
            alpha=1e5, learning_rate="constant", eta0=1e-6, shuffle=False, tol=None, max_iter=6
        ).fit(X, y)
    np.testing.assert_allclose(model.coef_, 0.0, atol=1e-4)
    np.testing.assert_allclose(reference.coef_, 0.0, atol=1e-4)


@pytest.mark.parametrize("container", [np.asarray, sp.csr_matrix])
@pytest.mark.parametrize("n_classes", [2, 3])
def test_two_blocks_of_rows_give_the_one_block_gradient(container, n_classes):
    """The full batch's statistics and gradient are sums over blocks of rows."""
    X, y = make_classification(301, 7, n_informative=4, n_classes=n_classes, random_state=0)
    X[np.abs(X) < 0.3] = 0.0
    X = container(X)
    weights = np.random.default_rng(0).uniform(0.5, 2.0, size=len(y))
    n_neurons = 1 if n_classes == 2 else n_classes
    w = np.random.default_rng(1).normal(size=(n_neurons, 7))
    b = np.random.default_rng(2).normal(size=n_neurons)
    gradients = []
    for n_blocks in (1, 2):
        problem = _full_batch.Problem(X, y, weights, n_neurons, False, 0.01, n_blocks=n_blocks)
        Z = problem.net_inputs(w, b)
        point = _full_batch.log_loss(problem, Z)
        E, error_sums = point.errors, point.error_sums
        gradient = np.empty(n_neurons * 8)
        _full_batch_kernels.preconditioned_gradient(
            problem, problem.back(E), error_sums, w, gradient
        )
        gradients.append((gradient, problem.p, problem.mean))
    for one_block, two_blocks in zip(*gradients, strict=True):
        np.testing.assert_allclose(two_blocks, one_block, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize(
    ("n_samples", "params", "expected"),
    [
        (200, {}, (200, False, None)),  # small data: the full batch, whose solver takes no step
        (30_000, {}, (1, True, "step")),  # large data: averaged online training
        (200, {"batch_size": 32}, (32, True, "step")),
        (200, {"batch_size": 32, "learning_rate": 0.1}, (32, False, 0.1)),
        (200, {"batch_size": 500}, (200, False, None)),  # at most the full batch
    ],
)
def test_every_automatic_choice_is_reported_after_fit(n_samples, params, expected):
    """batch_size_, average_ and learning_rate_ say what "auto" resolved to."""
    X, y = make_classification(n_samples, 5, random_state=0)
    model = NeuronClassifier(max_iter=2, tol=None, **params).fit(X, y)
    batch_size, average, learning_rate = expected
    assert model.batch_size_ == batch_size
    assert model.average_ is average
    if learning_rate == "step":
        assert 0 < model.learning_rate_ < 1
    else:
        assert model.learning_rate_ == learning_rate
    assert model.alpha_ == 1 / n_samples  # LogisticRegression(C=1)'s, on unit weights

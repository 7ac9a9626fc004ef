"""The full batch (batch_size="auto" on small data) against independent references."""

import itertools
import warnings

import numpy as np
import pytest
from sklearn.datasets import (
    load_breast_cancer,
    load_digits,
    load_iris,
    load_wine,
    make_classification,
)
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression, Perceptron
from sklearn.model_selection import cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

from sklearn_neuron import NeuronClassifier, _full_batch


def objective(model, X, y, alpha):
    """The mean log-loss plus alpha/2 ||w||^2, by scikit-learn's own probabilities."""
    proba = LogisticRegression().fit(X, y)  # a carrier for the weights
    proba.coef_, proba.intercept_ = model.coef_.astype(float), model.intercept_.astype(float)
    p = proba.predict_proba(X)[np.arange(len(y)), np.searchsorted(proba.classes_, y)]
    return -np.mean(np.log(p)) + 0.5 * alpha * np.sum(proba.coef_**2)


def wide_scales(n_classes=3, seed=1):
    """Features on scales from 1e-3 to 1e3, some far from 0."""
    X, y = make_classification(
        600, 12, n_informative=6, n_classes=n_classes, flip_y=0.05, random_state=seed
    )
    rng = np.random.default_rng(seed)
    scales = 10 ** rng.uniform(-3, 3, X.shape[1])
    return X * scales + scales * rng.normal(size=X.shape[1]), y


DATA = {
    "breast cancer": lambda: load_breast_cancer(return_X_y=True),
    "digits": lambda: load_digits(return_X_y=True),
    "wine": lambda: load_wine(return_X_y=True),
    "iris": lambda: load_iris(return_X_y=True),
    "wide scales": wide_scales,
}


@pytest.mark.parametrize("standardized", [False, True], ids=["raw", "standardized"])
@pytest.mark.parametrize("name", DATA)
def test_accuracy_matches_the_peers_raw_or_standardized(name, standardized):
    """5-fold CV at the defaults: within a point of Perceptron and LogisticRegression."""
    X, y = DATA[name]()

    def score(estimator):
        if standardized:
            estimator = make_pipeline(StandardScaler(), estimator)
        return cross_val_score(estimator, X, y).mean()

    # one BLAS thread: LogisticRegression's small products run faster so
    with warnings.catch_warnings(), threadpool_limits(limits=1):
        warnings.simplefilter("ignore", ConvergenceWarning)
        perceptron = score(NeuronClassifier(learning_rule="perceptron"))
        sigmoid = score(NeuronClassifier())
        reference_perceptron = score(Perceptron())
        reference_sigmoid = score(LogisticRegression())
    assert perceptron >= reference_perceptron - 0.01
    assert sigmoid >= reference_sigmoid - 0.01


@pytest.mark.parametrize("standardized", [False, True], ids=["raw", "standardized"])
def test_small_tol_reaches_the_logistic_regression_optimum(standardized):
    X, y = load_breast_cancer(return_X_y=True)
    if standardized:
        X = StandardScaler().fit_transform(X)
    alpha = 1e-4
    with warnings.catch_warnings(), threadpool_limits(limits=1):
        warnings.simplefilter("ignore", ConvergenceWarning)
        reference = LogisticRegression(C=1 / (alpha * len(y)), tol=1e-12, max_iter=100_000)
        best = objective(reference.fit(X, y), X, y, alpha)
    gaps = []
    for tol in (1e-3, 1e-5, 1e-7, 1e-9):
        model = NeuronClassifier(alpha=alpha, tol=tol, max_iter=10_000).fit(X, y)
        gaps.append(objective(model, X, y, alpha) - best)
    assert gaps[-1] <= 1e-6 * best
    assert all(later <= earlier + 1e-15 for earlier, later in itertools.pairwise(gaps))


def test_two_gaussians_reach_the_optimal_weights():
    rng = np.random.default_rng(0)
    X = np.r_[rng.normal(size=(100, 2)) + 1, rng.normal(size=(100, 2))]
    y = np.r_[np.ones(100), np.zeros(100)]
    alpha = 1e-4
    model = NeuronClassifier(alpha=alpha, tol=1e-6, max_iter=10_000).fit(X, y)
    reference = LogisticRegression(C=1 / (alpha * len(y)), tol=1e-12, max_iter=100_000).fit(X, y)
    ours = np.r_[model.coef_.ravel(), model.intercept_]
    theirs = np.r_[reference.coef_.ravel(), reference.intercept_]
    assert np.linalg.norm(ours - theirs) <= 1e-4 * np.linalg.norm(theirs)


def test_multi_class_perceptron_on_raw_digits_does_not_oscillate():
    X, y = load_digits(return_X_y=True)
    model = NeuronClassifier(learning_rule="perceptron").fit(X, y)
    assert model.score(X, y) >= 0.9
    assert min(model.mistakes_curve_[-5:]) <= 0.1 * max(model.mistakes_curve_[:5])
    assert model.n_iter_ == len(model.loss_curve_)


@pytest.mark.parametrize("learning_rule", ["sigmoid", "perceptron"])
def test_average_does_not_hurt_the_full_batch(learning_rule):
    X, y = load_wine(return_X_y=True)
    plain = cross_val_score(NeuronClassifier(learning_rule=learning_rule, average=False), X, y)
    averaged = cross_val_score(NeuronClassifier(learning_rule=learning_rule, average=True), X, y)
    assert averaged.mean() >= plain.mean()


def two_loop_recursion(gradient, pairs):
    """L-BFGS's −H g over the pairs (s, y), oldest first (Nocedal & Wright, Algorithm 7.4)."""
    q, coefficients = gradient.copy(), []
    for s, y in reversed(pairs):
        coefficients.append(s @ q / (s @ y))
        q -= coefficients[-1] * y
    s, y = pairs[-1]
    r = (s @ y) / (y @ y) * q
    for (s, y), a in zip(pairs, reversed(coefficients), strict=True):
        r += (a - y @ r / (s @ y)) * s
    return -r


def test_lbfgs_memory_forgets_a_rejected_pair_once_its_ring_is_full():
    """A pair is written into the ring before it is judged: once the ring is
    full, that row held the oldest pair. Rejected, neither may steer the
    direction, which is the recursion over the pairs still kept."""
    rng = np.random.default_rng(0)
    memory, kept = _full_batch.Memory(size=6, n_pairs=3), []

    def write(s, y, keep):
        row = memory.free_row()
        memory.steps[row], memory.changes[row], memory.sy[row] = s, y, s @ y
        if keep:
            memory.commit(s @ y / (y @ y))
            kept.append((s, y))
        else:
            memory.reject()

    for _ in range(4):  # four pairs in three rows: the ring wraps
        s = rng.normal(size=6)
        write(s, s + 0.1 * rng.normal(size=6), keep=True)
    s = rng.normal(size=6)
    write(s, -s, keep=False)  # s·y < 0: it would break H's positive definiteness
    gradient = rng.normal(size=6)
    direction, slope = memory.direction(gradient)
    expected = two_loop_recursion(gradient, kept[-2:])  # the third newest was overwritten
    np.testing.assert_allclose(direction, expected, rtol=1e-12)
    assert slope == pytest.approx(gradient @ expected, rel=1e-12)

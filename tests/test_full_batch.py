"""The full batch (batch_size="auto" on small data) against independent references."""

import itertools
import warnings

import numpy as np
import pytest
from sklearn.datasets import load_breast_cancer, load_digits, load_iris, load_wine
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression, Perceptron
from sklearn.model_selection import cross_val_score

from sklearn_neuron import NeuronClassifier


def objective(model, X, y, alpha):
    """The mean log-loss plus alpha/2 ||w||^2, by scikit-learn's own probabilities."""
    proba = LogisticRegression().fit(X, y)  # a carrier for the weights
    proba.coef_, proba.intercept_ = model.coef_.astype(float), model.intercept_.astype(float)
    p = proba.predict_proba(X)[np.arange(len(y)), np.searchsorted(proba.classes_, y)]
    return -np.mean(np.log(p)) + 0.5 * alpha * np.sum(proba.coef_**2)


@pytest.mark.parametrize("load", [load_breast_cancer, load_wine, load_iris])
def test_raw_features_match_scikit_learn(load):
    X, y = load(return_X_y=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        perceptron = cross_val_score(NeuronClassifier(learning_rule="perceptron"), X, y).mean()
        sigmoid = cross_val_score(NeuronClassifier(), X, y).mean()
        reference_perceptron = cross_val_score(Perceptron(), X, y).mean()
        reference_sigmoid = cross_val_score(LogisticRegression(), X, y).mean()
    assert perceptron >= reference_perceptron - 0.01
    assert sigmoid >= reference_sigmoid - 0.01


def test_small_tol_reaches_the_logistic_regression_optimum():
    X, y = load_breast_cancer(return_X_y=True)
    alpha = 1e-4
    with warnings.catch_warnings():
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

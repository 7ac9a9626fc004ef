"""The perceptron rule's probabilities against scikit-learn's calibrated perceptron."""

import numpy as np
import pytest
from scipy.optimize import brentq, minimize_scalar
from scipy.special import log_softmax, softmax
from sklearn.datasets import make_classification
from sklearn.metrics import log_loss

from benchmarks import calibration  # the benchmark script, run here as a test
from sklearn_neuron import NeuronClassifier
from sklearn_neuron import _calibration as calibration_module
from sklearn_neuron._calibration import class_sizes, fit_temperature

DATA_SETS = calibration.data_sets()


@pytest.mark.parametrize("name", list(DATA_SETS))
def test_perceptron_probabilities_beat_calibrated_classifier_cv(name):
    """Held-out log-loss at most 1.05 × that of CalibratedClassifierCV(Perceptron(), cv=5)."""
    results = calibration.evaluate(*DATA_SETS[name])
    ours = results["perceptron rule"]["log_loss"]
    reference = results["Perceptron + CalibratedClassifierCV"]["log_loss"]
    assert ours <= 1.05 * reference


def platt_targets(z, y, weights):
    """Platt's soft targets of each sample and class, by hand, and the net input of each class."""
    n_classes = 2 if z.ndim == 1 else z.shape[1]
    # a sample of the smallest positive weight counts as one
    sizes = np.bincount(y, weights=weights / weights[weights > 0].min(), minlength=n_classes)
    own = (sizes[y] + 1) / (sizes[y] + 2)
    soft = np.repeat(((1 - own) / (n_classes - 1))[:, None], n_classes, axis=1)
    soft[np.arange(len(y)), y] = own
    # two classes: the net input is that of class 1 against 0 for class 0
    return soft, np.column_stack([np.zeros_like(z), z]) if z.ndim == 1 else z


def platt_log_loss(z, y, weights, temperature):
    """The weighted log-loss of softmax(z / T) against Platt's soft targets."""
    soft, scores = platt_targets(z, y, weights)
    log_proba = log_softmax(scores / temperature, axis=1)
    return np.average(-np.sum(soft * log_proba, axis=1), weights=weights)


@pytest.mark.parametrize("n_classes", [2, 3])
def test_temperature_minimises_the_log_loss_against_platt_targets(n_classes):
    """Finite differences: the fitted temperature is a minimum of that loss."""
    X, y = make_classification(400, 5, n_informative=3, n_classes=n_classes, random_state=0)
    z = NeuronClassifier(learning_rule="perceptron").fit(X, y).decision_function(X)
    weights = np.random.default_rng(0).uniform(0.5, 2, size=len(y))
    temperature = fit_temperature(z, y, weights, class_sizes(y, weights, n_classes, weights.min()))
    for nearby in [temperature * 0.98, temperature * 1.02]:
        assert platt_log_loss(z, y, weights, temperature) < platt_log_loss(z, y, weights, nearby)


def platt_slope(z, y, weights, inverse):
    """The derivative of that loss in a = 1 / T: the mean of E_p[z] − Σ_k t_k z_k."""
    soft, scores = platt_targets(z, y, weights)
    proba = softmax(inverse * scores, axis=1)
    return np.average(np.sum((proba - soft) * scores, axis=1), weights=weights)


@pytest.mark.parametrize("n_classes", [2, 3])
@pytest.mark.parametrize("sampled_weights", ["random", "zero"])
def test_temperature_of_many_samples_is_the_zero_of_the_slope(n_classes, sampled_weights):
    """On more rows than Newton's start sample: T is where the loss's derivative is zero."""
    rng = np.random.default_rng(n_classes)
    n = 3 * calibration_module.TEMPERATURE_START_ROWS + 7
    y = rng.integers(0, n_classes, size=n)
    if n_classes == 2:
        z = 3.0 * rng.normal(size=n) + 4.0 * (2 * y - 1)
    else:
        z = 2.0 * rng.normal(size=(n, n_classes)) + 5.0 * np.eye(n_classes)[y]
    weights = rng.uniform(0.5, 2, size=n)
    if sampled_weights == "zero":  # the rows the start sample takes weigh nothing
        weights[:: -(-n // calibration_module.TEMPERATURE_START_ROWS)] = 0.0
    root = brentq(lambda log_a: platt_slope(z, y, weights, np.exp(log_a)), -10, 10, xtol=1e-14)
    sizes = class_sizes(y, weights, n_classes, weights[weights > 0].min())
    np.testing.assert_allclose(fit_temperature(z, y, weights, sizes), np.exp(-root), rtol=1e-9)


@pytest.mark.parametrize("chunk_size", [1, 10, 500])
@pytest.mark.parametrize("n_classes", [2, 3])
def test_streamed_probabilities_are_calibrated_on_the_whole_stream(chunk_size, n_classes):
    """Held-out log-loss within 5 % of the final weights' with T fitted on all data streamed."""
    X, y = make_classification(
        4000, 8, n_informative=5, n_classes=n_classes, flip_y=0.05, random_state=4
    )
    X_train, y_train, X_test, y_test = X[:3000], y[:3000], X[3000:], y[3000:]
    model = NeuronClassifier(learning_rule="perceptron", random_state=0)
    for start in range(0, len(y_train), chunk_size):
        chunk = slice(start, start + chunk_size)
        model.partial_fit(X_train[chunk], y_train[chunk], classes=np.arange(n_classes))

    # the reference temperature: minimise the loss on every streamed sample
    z_train = model.decision_function(X_train)
    ones = np.ones(len(y_train))
    best = minimize_scalar(
        lambda log_t: platt_log_loss(z_train, y_train, ones, np.exp(log_t)),
        bounds=(-10, 10),
        method="bounded",
    )
    z_test = model.decision_function(X_test)
    scores = np.column_stack([np.zeros_like(z_test), z_test]) if n_classes == 2 else z_test
    reference = log_loss(y_test, softmax(scores / np.exp(best.x), axis=1))
    ours = log_loss(y_test, model.predict_proba(X_test))
    assert abs(ours - reference) <= 0.05 * reference


def test_separable_data_does_not_drive_the_temperature_to_zero():
    X = np.array([[-2.0], [-1.0], [1.0], [2.0]])
    model = NeuronClassifier(learning_rule="perceptron").fit(X, [0, 0, 1, 1])
    proba = model.predict_proba(X)
    # Platt's targets for classes of 2: 3/4 and 1/4; the fit cannot be surer
    # than the targets allow by much
    assert proba.max() < 0.99
    assert np.all(proba[[2, 3], 1] > 0.5)

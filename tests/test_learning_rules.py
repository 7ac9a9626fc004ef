"""The update rule against independent references: scikit-learn and hand-written loops."""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from scipy.optimize import minimize
from scipy.special import logsumexp, softmax
from sklearn.datasets import make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression, Perceptron, SGDClassifier
from sklearn.model_selection import GridSearchCV
from sklearn.svm import LinearSVC

from sklearn_neuron import NeuronClassifier, _full_batch
from sklearn_neuron import _kernels as kernels

TEXTBOOK = dict(batch_size=1, shuffle=False, alpha=0.0, tol=None, average=False)


@pytest.fixture
def binary_data():
    """Two overlapping classes: no line separates them, so every epoch learns."""
    return make_classification(200, 5, n_informative=3, flip_y=0.1, random_state=0)


@pytest.fixture
def three_classes():
    return make_classification(
        150, 4, n_informative=3, n_redundant=0, n_classes=3, flip_y=0.05, random_state=1
    )


def assert_same_weights(ours, reference, rtol=1e-9):
    np.testing.assert_allclose(ours.coef_, reference.coef_, rtol=rtol, atol=1e-12)
    np.testing.assert_allclose(ours.intercept_, reference.intercept_, rtol=rtol, atol=1e-12)


@pytest.mark.parametrize("eta", [1.0, 0.1])
@pytest.mark.parametrize("epochs", [1, 7])
def test_perceptron_rule_is_scikit_learns_perceptron(binary_data, eta, epochs):
    X, y = binary_data
    reference = Perceptron(eta0=eta, penalty=None, shuffle=False, tol=None, max_iter=epochs)
    ours = NeuronClassifier(
        learning_rule="perceptron", learning_rate=eta, max_iter=epochs, **TEXTBOOK
    )
    assert_same_weights(ours.fit(X, y), reference.fit(X, y))
    assert ours.n_iter_ == epochs


@pytest.mark.parametrize("alpha", [0.5, 1.0, 10.0, 1e4])
def test_perceptron_auto_step_is_valid_for_every_alpha(binary_data, alpha):
    """ "auto" is 1 / (1 + alpha): scikit-learn's l2 Perceptron with that eta0, for any alpha."""
    X, y = binary_data
    textbook = {**TEXTBOOK, "alpha": alpha, "max_iter": 5}
    ours = NeuronClassifier(learning_rule="perceptron", **textbook).fit(X, y)
    reference = Perceptron(
        penalty="l2", alpha=alpha, eta0=1 / (1 + alpha), shuffle=False, tol=None, max_iter=5
    )
    assert_same_weights(ours, reference.fit(X, y))
    assert 0 < ours.learning_rate_ * alpha < 1


def test_grid_search_over_alpha_works_for_the_perceptron_rule(binary_data):
    X, y = binary_data
    grid = {"alpha": [0.0, 1e-4, 1.0, 100.0]}
    search = GridSearchCV(NeuronClassifier(learning_rule="perceptron"), grid, error_score="raise")
    search.fit(X, y)
    assert np.all(np.isfinite(search.cv_results_["mean_test_score"]))
    online = NeuronClassifier(learning_rule="perceptron", alpha=0.0, batch_size=1)
    assert online.fit(X, y).learning_rate_ == 1


def test_perceptron_rule_stops_when_it_makes_no_mistake():
    """On separable data scikit-learn runs on without change; we stop."""
    X, y = make_classification(100, 2, n_redundant=0, class_sep=3, flip_y=0, random_state=3)
    reference = Perceptron(penalty=None, shuffle=False, tol=None, max_iter=50).fit(X, y)
    ours = NeuronClassifier(learning_rule="perceptron", max_iter=50, **TEXTBOOK).fit(X, y)
    assert_same_weights(ours, reference)
    assert ours.n_iter_ < 50
    assert ours.mistakes_curve_[-1] == 0
    assert all(mistakes > 0 for mistakes in ours.mistakes_curve_[:-1])


@pytest.mark.parametrize("eta", [0.5, 0.01])
def test_sigmoid_rule_is_scikit_learns_sgd_on_log_loss(binary_data, eta):
    X, y = binary_data
    reference = SGDClassifier(
        loss="log_loss",
        penalty=None,
        learning_rate="constant",
        eta0=eta,
        shuffle=False,
        tol=None,
        max_iter=7,
    )
    ours = NeuronClassifier(learning_rule="sigmoid", learning_rate=eta, max_iter=7, **TEXTBOOK)
    assert_same_weights(ours.fit(X, y), reference.fit(X, y))


def test_zero_net_input_counts_as_a_mistake():
    """Starting from zero weights, the first sample is a mistake whatever its class."""
    X = np.array([[2.0, 1.0], [-1.0, -3.0]])
    for y in ([0, 1], [1, 0]):
        model = NeuronClassifier(learning_rule="perceptron", max_iter=1, **TEXTBOOK)
        model.fit(X, y)
        assert model.mistakes_curve_[0] >= 1
        assert np.any(model.coef_ != 0)


def reference_online_epochs(X, y, n_classes, activation, eta, epochs):
    """The update Δw = η (t − f(z)) x, written out in numpy, one sample at a time."""
    W = np.zeros((n_classes, X.shape[1]))
    b = np.zeros(n_classes)
    for _ in range(epochs):
        for x, label in zip(X, y, strict=True):
            z = W @ x + b
            t = np.eye(n_classes)[label]
            W += eta * np.outer(t - activation(z, label), x)
            b += eta * (t - activation(z, label))
    return W, b


def winner_takes_all(z, label):
    """The strongest rival beats the target on a tie (a tie is a mistake)."""
    rivals = np.where(np.arange(len(z)) == label, -np.inf, z)
    winner = label if z[label] > rivals.max() else int(np.argmax(rivals))
    return np.eye(len(z))[winner]


def test_multiclass_perceptron_is_winner_takes_all(three_classes):
    X, y = three_classes
    W, b = reference_online_epochs(X, y, 3, winner_takes_all, eta=1.0, epochs=4)
    ours = NeuronClassifier(learning_rule="perceptron", max_iter=4, **TEXTBOOK).fit(X, y)
    np.testing.assert_allclose(ours.coef_, W, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(ours.intercept_, b, rtol=1e-9, atol=1e-12)


def test_multiclass_sigmoid_rule_is_softmax(three_classes):
    X, y = three_classes
    W, b = reference_online_epochs(X, y, 3, lambda z, _: softmax(z), eta=0.05, epochs=4)
    ours = NeuronClassifier(learning_rate=0.05, max_iter=4, **TEXTBOOK).fit(X, y)
    np.testing.assert_allclose(ours.coef_, W, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(ours.intercept_, b, rtol=1e-9, atol=1e-12)


def test_l2_penalty_shrinks_before_each_update(binary_data):
    """w ← (1 − ηα) w + η (t − σ(z)) x, checked against the loop above."""
    X, y = binary_data
    eta, alpha = 0.1, 0.05
    w, b = np.zeros(X.shape[1]), 0.0
    for x, t in zip(X, y, strict=True):
        error = t - 1 / (1 + np.exp(-(w @ x + b)))
        w = (1 - eta * alpha) * w + eta * error * x
        b += eta * error
    ours = NeuronClassifier(
        batch_size=1, shuffle=False, learning_rate=eta, alpha=alpha, tol=None, max_iter=1
    ).fit(X, y)
    np.testing.assert_allclose(ours.coef_[0], w, rtol=1e-9)
    np.testing.assert_allclose(ours.intercept_[0], b, rtol=1e-9)


def one_neuron_online_data():
    """300 samples of 37 features (the loops' remainders run too), a fifth of the
    entries zero; some samples weigh nothing; five shuffled passes."""
    rng = np.random.default_rng(0)
    n_samples, n_features = 300, 37
    X = rng.normal(size=(n_samples, n_features))
    X[np.abs(X) < 0.25] = 0.0
    y = (X @ rng.normal(size=n_features) + rng.normal(size=n_samples) > 0).astype(np.intp)
    weights = rng.choice([0.0, 0.5, 1.0, 2.0], size=n_samples)
    order = np.concatenate([rng.permutation(n_samples) for _ in range(5)])
    return X, y, weights, order


@pytest.mark.parametrize("activation", ["step", "sigmoid"])
@pytest.mark.parametrize("average", [False, True])
@pytest.mark.parametrize("layout", ["dense", "csr"])
def test_online_epoch_of_one_neuron_takes_each_update_in_turn(activation, average, layout):
    """One neuron online: on dense rows the kernel takes the next net input as
    w·x' + c·(x·x') while the update w += c·x is pending; on sparse rows,
    averaged, it keeps each weight beside its correction. The weights must still
    be the rule's, sample after sample; the penalty is strong enough to fold the
    weights' scale several times."""
    X, y, weights, order = one_neuron_online_data()
    n_features = X.shape[1]
    eta, alpha = 0.05, 0.5  # the weights shrink by e^-38 over the 1,500 steps
    coef, intercept = np.zeros((1, n_features)), np.zeros(1)
    sums = np.zeros((1, n_features)), np.zeros(1), np.zeros(1, dtype=np.int64)
    code = kernels.STEP if activation == "step" else kernels.SIGMOID
    rows = X if layout == "dense" else sp.csr_matrix(X)
    kernels.epoch(rows, y, weights, order, coef, intercept, code, eta, alpha, 1, average, *sums)

    w, b = np.zeros(n_features), 0.0
    w_sum, b_sum = np.zeros(n_features), 0.0
    for i in order:
        z = w @ X[i] + b
        if activation == "sigmoid":
            error = y[i] - 1 / (1 + np.exp(-z))
        else:  # a zero net input is a mistake for both classes
            error = 0.0 if (z > 0 if y[i] == 1 else z < 0) else 2.0 * y[i] - 1
        w = (1 - eta * alpha) * w + eta * weights[i] * error * X[i]
        b += eta * weights[i] * error
        w_sum, b_sum = w_sum + w, b_sum + b
    np.testing.assert_allclose(coef[0], w, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(intercept[0], b, rtol=1e-9, atol=1e-12)
    if average:
        steps = len(order)
        assert sums[2][0] == steps
        np.testing.assert_allclose(sums[0][0] / steps, w_sum / steps, rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(sums[1][0] / steps, b_sum / steps, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("activation", [kernels.STEP, kernels.SIGMOID])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("alpha", [1e-4, 0.5])
def test_averaging_a_sparse_epoch_leaves_the_weights_as_they_were(activation, dtype, alpha):
    """Averaged, a sparse epoch keeps the weights in float64 beside their
    corrections; rounded as coef's dtype rounds at every update, they take
    the very bits of the epoch without averaging, float32 too, folds of the
    scale (alpha=0.5) included."""
    X, y, weights, order = one_neuron_online_data()
    X = sp.csr_matrix(X.astype(dtype))
    learned = []
    for average in (False, True):
        coef, intercept = np.full((1, X.shape[1]), 0.01, dtype=dtype), np.zeros(1, dtype=dtype)
        sums = np.zeros((1, X.shape[1])), np.zeros(1), np.zeros(1, dtype=np.int64)
        tally = kernels.epoch(X, y, weights, order, coef, intercept, activation, 0.05, alpha, 1,
                              average, *sums)  # fmt: skip
        learned.append((tally, coef, intercept))
    (tally, coef, intercept), (averaged_tally, averaged_coef, averaged_intercept) = learned
    assert averaged_tally == tally
    np.testing.assert_array_equal(averaged_coef, coef)
    np.testing.assert_array_equal(averaged_intercept, intercept)


@pytest.mark.parametrize("n_classes", [2, 3])
def test_full_batch_reaches_logistic_regression_optimum(n_classes):
    """Full-batch descent minimises mean log-loss + α/2 ‖w‖², i.e. LR with C = 1/(α n)."""
    X, y = make_classification(
        300, 6, n_informative=4, n_classes=n_classes, random_state=2, flip_y=0.1
    )
    alpha = 0.01
    ours = NeuronClassifier(alpha=alpha, tol=None, max_iter=2000).fit(X, y)
    reference = LogisticRegression(C=1 / (alpha * len(y)), tol=1e-12, max_iter=10_000).fit(X, y)
    # scikit-learn centres the softmax weights (they sum to 0); so does the
    # optimum we reach from zero weights, since each update sums to 0.
    np.testing.assert_allclose(ours.coef_, reference.coef_, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(ours.intercept_, reference.intercept_, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("n_classes", [2, 3])
def test_default_penalty_is_logistic_regressions_c_one(n_classes):
    """alpha="auto" is LogisticRegression(C=1): the same optimum, sample weights included."""
    X, y = make_classification(
        300, 6, n_informative=4, n_classes=n_classes, random_state=3, flip_y=0.1
    )
    weights = np.random.default_rng(0).integers(1, 4, size=len(y)).astype(float)
    ours = NeuronClassifier(tol=1e-10, max_iter=2000).fit(X, y, sample_weight=weights)
    reference = LogisticRegression(C=1.0, tol=1e-12, max_iter=10_000)
    reference.fit(X, y, sample_weight=weights)
    assert ours.alpha_ == 1 / weights.sum()
    np.testing.assert_allclose(ours.coef_, reference.coef_, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(ours.intercept_, reference.intercept_, rtol=1e-5, atol=1e-6)


def test_default_penalty_follows_the_stream_and_leaves_the_perceptron_unpenalised(binary_data):
    X, y = binary_data
    streamed = NeuronClassifier()
    for chunk in np.array_split(np.arange(len(y)), 4):
        streamed.partial_fit(X[chunk], y[chunk], classes=[0, 1])
        assert streamed.alpha_ == 1 / (chunk[-1] + 1)  # one over the samples seen so far
    assert streamed.n_samples_seen_ == len(y)
    # the perceptron rule at its defaults is scikit-learn's Perceptron at its defaults
    ours = NeuronClassifier(learning_rule="perceptron", batch_size=1, shuffle=False, tol=None)
    reference = Perceptron(shuffle=False, tol=None, max_iter=5)
    ours.set_params(max_iter=5, average=False).fit(X, y)
    assert ours.alpha_ == 0.0
    assert_same_weights(ours, reference.fit(X, y))


@pytest.mark.parametrize("learning_rule", ["sigmoid", "perceptron"])
def test_full_batch_does_not_depend_on_sample_order(three_classes, learning_rule):
    X, y = three_classes
    permutation = np.random.default_rng(0).permutation(len(y))
    first = NeuronClassifier(learning_rule=learning_rule).fit(X, y)
    second = NeuronClassifier(learning_rule=learning_rule).fit(X[permutation], y[permutation])
    np.testing.assert_allclose(first.coef_, second.coef_, rtol=1e-8, atol=1e-10)


def test_article_two_points_learn_in_epoch_one_and_rest_in_epoch_two():
    """The article's demonstration: a perceptron on two labelled points.

    By hand, without penalty: from zero weights the first point (class 1) has z = 0, a mistake,
    so w = (1, 1), b = 1. The second point then has z = −2 + 1 < 0: right.
    In epoch 2 both are right, nothing changes, and training stops.
    """
    X = np.array([[1.0, 1.0], [-1.0, -1.0]])
    y = np.array([1, 0])
    mistakes = (
        NeuronClassifier(learning_rule="perceptron", batch_size=1, shuffle=False)
        .fit(X, y)
        .mistakes_curve_
    )
    assert mistakes == [1, 0]
    model = NeuronClassifier(learning_rule="perceptron", **TEXTBOOK).fit(X, y)
    assert model.n_iter_ == 2
    np.testing.assert_array_equal(model.coef_, [[1.0, 1.0]])
    np.testing.assert_array_equal(model.intercept_, [1.0])
    np.testing.assert_array_equal(model.predict(X), y)


def reference_outputs(Z, y, activation):
    """f(z) for every sample, written out: the step, winner-takes-all, sigmoid or softmax."""
    if activation == "step":  # z = 0 is a mistake: the output is the other class
        return np.where(y == 1, Z[:, 0] > 0, Z[:, 0] >= 0).astype(float)[:, None]
    if activation == "winner":
        return np.array([winner_takes_all(z, label) for z, label in zip(Z, y, strict=True)])
    if activation == "sigmoid":
        return 1 / (1 + np.exp(-Z))
    return softmax(Z, axis=1)


def weighted_objective(params, X, y, s, n_neurons, alpha):
    """Σ s_i l(t_i, w·x_i + b) / Σ s + α/2 ‖w‖², written out: the log-loss or the cross-entropy."""
    d = X.shape[1]
    W, b = params[: n_neurons * d].reshape(n_neurons, d), params[n_neurons * d :]
    Z = X @ W.T + b
    if n_neurons == 1:
        losses = np.logaddexp(0, -np.where(y == 1, 1, -1) * Z[:, 0])
    else:
        losses = logsumexp(Z, axis=1) - Z[np.arange(len(y)), y]
    return s @ losses / s.sum() + 0.5 * alpha * np.sum(W * W)


@pytest.mark.parametrize(
    "activation, n_classes",
    [("step", 2), ("winner", 3), ("sigmoid", 2), ("softmax", 3)],
)
@pytest.mark.parametrize("container", [np.asarray, sp.csr_matrix])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("block_rows", [7, 1000])
def test_full_batch_minimises_the_weighted_objective(
    activation, n_classes, container, dtype, block_rows, monkeypatch
):
    """Sigmoid/softmax: the optimum of the weighted objective (scipy's own minimiser of it);
    step/winner: separable data end with no weighted mistake. Dense or CSR, in blocks or not."""
    X, y = make_classification(
        90, 5, n_informative=3, n_redundant=0, n_classes=n_classes, random_state=3,
        class_sep=3.0 if activation in ("step", "winner") else 1.0, flip_y=0,
    )  # fmt: skip
    X = X.astype(dtype)
    s = np.random.default_rng(0).uniform(0.5, 2.0, len(y))
    s[:3] = 0.0  # zero weights are allowed
    n_neurons = 1 if n_classes == 2 else n_classes
    alpha = 0.1
    monkeypatch.setattr(_full_batch, "_BLOCK_BYTES", block_rows * 5 * 8)
    rule = "perceptron" if activation in ("step", "winner") else "sigmoid"
    model = NeuronClassifier(learning_rule=rule, alpha=alpha, tol=1e-9, max_iter=5000)
    model.fit(container(X), y, sample_weight=s)
    if rule == "perceptron":
        if LinearSVC().fit(X, y).score(X, y) == 1.0:  # separable
            assert np.sum(s * (model.predict(X) != y)) == 0
        return
    X64 = X.astype(np.float64)
    start = np.zeros(n_neurons * 6)
    reference = minimize(
        weighted_objective, start, args=(X64, y, s, n_neurons, alpha), method="BFGS",
        options={"gtol": 1e-10, "maxiter": 10_000},
    )  # fmt: skip
    ours = weighted_objective(
        np.concatenate([model.coef_.astype(np.float64).ravel(), model.intercept_]),
        X64, y, s, n_neurons, alpha,
    )  # fmt: skip
    rtol = 1e-5 if dtype == np.float32 else 1e-8
    assert ours <= reference.fun * (1 + rtol)


@pytest.mark.parametrize("n_classes", [2, 3])
@pytest.mark.parametrize("batch_size", [1, 10, 399])
@pytest.mark.parametrize(
    "container",
    [
        np.asarray,
        sp.csr_matrix,
        lambda X: X.astype(np.float32),
        lambda X: sp.csr_array(X, dtype=np.float32),
    ],
    ids=["dense", "csr", "float32", "float32 csr"],
)
def test_auto_learning_rate_is_one_over_the_curvature_bound(n_classes, batch_size, container):
    """``1 / (c · L(B) + alpha)`` with ``L`` from numpy's eigenvalues of the inputs' moments."""
    X, y = make_classification(
        400, 6, n_informative=4, n_classes=n_classes, flip_y=0.1, random_state=2
    )
    X[:, 0] *= 3.0  # a dominant direction, as unscaled data have
    weights = np.random.default_rng(0).uniform(0.2, 3.0, size=len(y))
    alpha = 1e-3
    model = NeuronClassifier(batch_size=batch_size, alpha=alpha, max_iter=1, tol=None)
    model.set_params(average=False).fit(container(X), y, sample_weight=weights)
    averaged = NeuronClassifier(batch_size=batch_size, alpha=alpha, max_iter=1, tol=None)
    averaged.fit(container(X), y, sample_weight=weights)  # average="auto": averaged

    inputs = np.column_stack([X, np.ones(len(X))])  # a = (x, 1)
    share = weights / weights.sum()
    per_sample = share @ np.sum(inputs**2, axis=1)  # mean ‖a‖²
    whole_batch = np.linalg.eigvalsh(inputs.T @ (share[:, None] * inputs))[-1]
    n, b = len(y), min(batch_size, len(y))
    # Gower et al. (2019), eq. (14): from one sample (b = 1) to the whole batch (b = n)
    smoothness = (n * (b - 1) * whole_batch + (n - b) * per_sample) / (b * (n - 1))
    curvature = 0.25 if n_classes == 2 else 0.5
    assert model.learning_rate_ == pytest.approx(1 / (curvature * smoothness + alpha), rel=1e-3)
    # averaged SGD takes a quarter of the largest step online, growing to the
    # whole step as the batches grow to the full batch (their noise, 1/B)
    shrink = 1 + 3 * (n - b) / (b * (n - 1))
    assert averaged.learning_rate_ == pytest.approx(
        1 / (shrink * curvature * smoothness + alpha), rel=1e-3
    )


def test_full_batch_takes_no_fixed_step(binary_data):
    X, y = binary_data
    assert NeuronClassifier().fit(X, y).learning_rate_ is None
    assert NeuronClassifier(learning_rate=0.1).fit(X, y).learning_rate_ is None
    # a stream after it chooses its own online step
    online = NeuronClassifier(batch_size=1, max_iter=1, tol=None, alpha=1e-3).fit(X, y)
    after = NeuronClassifier(alpha=1e-3).fit(X, y).partial_fit(X, y)
    assert after.learning_rate_ == online.learning_rate_


def test_textbook_perceptron_decides_exact_ties_as_scikit_learn_does():
    """On 1,000 random problems of one-decimal numbers, where net inputs of exactly
    zero are common, the textbook perceptron on dense rows, on CSR rows and
    scikit-learn's ``Perceptron`` make the same mistakes and end at the same
    weights: each sums the net input in feature order."""
    rng = np.random.default_rng(0)
    params = dict(learning_rule="perceptron", batch_size=1, learning_rate=1.0, alpha=0.0)
    for _ in range(1000):
        n_samples, n_features = rng.integers(2, 9), rng.integers(1, 11)
        X = np.round(rng.uniform(-2, 2, size=(n_samples, n_features)), 1)
        X[rng.random(X.shape) < 0.2] = 0.0
        y = rng.permutation(np.arange(n_samples) % 2)
        epochs = int(rng.integers(1, 4))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            dense = NeuronClassifier(**params, shuffle=False, max_iter=epochs, tol=None).fit(X, y)
            csr = NeuronClassifier(**params, shuffle=False, max_iter=epochs, tol=None)
            csr.fit(sp.csr_matrix(X), y)
            reference = Perceptron(shuffle=False, max_iter=epochs, tol=None).fit(X, y)
        np.testing.assert_array_equal(dense.coef_, csr.coef_)
        np.testing.assert_array_equal(dense.intercept_, csr.intercept_)
        np.testing.assert_array_equal(dense.coef_, reference.coef_)
        np.testing.assert_array_equal(dense.intercept_, reference.intercept_)

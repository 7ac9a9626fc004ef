"""Every ``"auto"`` of NeuronClassifier, each resolved by one small function of explicit inputs.

The fitted attributes report what they resolved to: ``batch_size_``,
``alpha_``, ``average_`` and ``learning_rate_``. They are resolved in this
order, as each may depend on those before it.

The step of the sigmoid rule is safe when it is below ``1 / L``, where ``L``
bounds the curvature of the loss the step descends. For the log-loss of a
sigmoid neuron the curvature along an input ``a = (x, 1)`` is at most
``a·a / 4`` (``/ 2`` for softmax), so

* one sample at a time sees at most ``c · mean(‖a‖²)`` on average, and
* the whole batch at most ``c · λ_max(mean(a aᵀ))``, the largest eigenvalue.

A mini-batch of ``B`` samples lies in between; we interpolate as in Gower et
al., "SGD: General Analysis and Improved Rates" (ICML 2019), eq. (14).
"""

import numpy as np
import scipy.sparse as sp

from ._training import MONITOR_ROWS

# ``batch_size="auto"`` trains on the full batch up to this many samples and
# online above, where averaged SGD reaches the optimum's accuracy within two
# or three epochs of a few passes of X each, several times faster than any
# full-batch solver (benchmarks/auto_batch_size.py). Online steps are not
# preconditioned, though: features whose scales span more than
# AUTO_SCALE_SPREAD keep the full batch, which is, up to the larger size.
AUTO_FULL_BATCH_MAX_SAMPLES = 20_000
AUTO_FULL_BATCH_MAX_UNSCALED_SAMPLES = 300_000
AUTO_SCALE_SPREAD = 100.0
# Sparse input gets the full batch only up to this many samples, and only if
# it stores at least as many values as it has features. Measured with the same
# script on text-like data (2**18 hashed features, unit rows): online learning
# was as accurate for the sigmoid rule and several times faster, and the batch
# perceptron stayed near chance (its bias, pushed by every mistake at once,
# outweighs features that each row shares with few others). Every full-batch
# epoch also passes over all the weights, which costs more than the data when
# the features outnumber the stored values (the user guide has the figures).
# Other small data keep the full
# batch: its result does not depend on the sample order.
AUTO_FULL_BATCH_MAX_SPARSE_SAMPLES = 1_000


def auto_batch_size(X):
    """The batch size of ``batch_size="auto"`` in ``fit``: all of X, or 1."""
    n_samples = X.shape[0]
    if sp.issparse(X):
        small = n_samples <= AUTO_FULL_BATCH_MAX_SPARSE_SAMPLES and X.nnz >= X.shape[1]
    else:
        small = n_samples <= AUTO_FULL_BATCH_MAX_SAMPLES or (
            n_samples <= AUTO_FULL_BATCH_MAX_UNSCALED_SAMPLES
            and scale_spread(X) > AUTO_SCALE_SPREAD
        )
    return n_samples if small else 1


def scale_spread(X):
    """The largest root mean square of a column over the smallest (non-zero) one.

    On at most MONITOR_ROWS evenly spaced rows (a view): the spread of the
    scales, offsets included, that online steps of one size must serve.
    """
    rows = X[:: max(1, -(-X.shape[0] // MONITOR_ROWS))]
    squares = np.einsum("ij,ij->j", rows, rows, dtype=np.float64)
    squares = squares[squares > 0]
    return float(np.sqrt(squares.max() / squares.min())) if len(squares) else 1.0


def auto_alpha(learning_rule, n_samples_seen):
    """``alpha="auto"``: ``LogisticRegression(C=1)``'s penalty on the mean loss, or 0.

    One over the total sample weight for the sigmoid rule (as large as a
    float goes, for weights whose sum is denormal); 0 for the perceptron
    rule, whose criterion has no scale to penalise.
    """
    if learning_rule == "perceptron" or n_samples_seen <= 0:
        return 0.0
    return min(1.0 / n_samples_seen, np.finfo(np.float64).max)


def auto_average(learning_rate, online):
    """``average="auto"``: averaging with the automatic step, online or in mini-batches."""
    return learning_rate == "auto" and online


def auto_learning_rate(
    learning_rule, n_neurons, X, squared_norms, sample_weight, batch_size, alpha, average
):
    """``learning_rate="auto"``: the perceptron rule's step, or the sigmoid rule's largest safe one.

    The perceptron's is ``1 / (1 + alpha)``: 1 without a penalty, where its
    predictions do not depend on the step, and below ``1 / alpha`` for every
    alpha. The sigmoid's is :func:`largest_stable_step` for batches of
    ``batch_size`` rows of X (``squared_norms`` their ``‖x‖²``), a quarter
    of it when averaging online.
    """
    if learning_rule == "perceptron":
        return 1.0 / (1.0 + alpha)
    curvature = 0.25 if n_neurons == 1 else 0.5
    if average:
        # Averaged, a constant step ends within O(step · noise) of the
        # optimum of the log-loss (Bach and Moulines, 2013): online, a
        # quarter of the largest stable step puts the average's
        # probabilities within a few thousandths of the optimum's log-loss,
        # where the largest step lost 0.03. Batches of B samples have a B-th
        # of the noise: the quarter grows to the whole step as they grow to
        # the full batch (the share of the per-sample curvature in
        # largest_stable_step).
        n = max(X.shape[0], 2)
        batch = min(batch_size, n)
        curvature *= 1.0 + 3.0 * (n - batch) / (batch * (n - 1))
    return largest_stable_step(X, squared_norms, sample_weight, batch_size, curvature, alpha)


_EIGENVALUE_ROWS = 10_000


def largest_eigenvalue(X, sample_weight, n_iter=50, rtol=1e-3):
    """``λ_max`` of the weighted mean of ``a aᵀ`` over the rows ``a = (x, 1)``.

    Power iteration: every step costs two passes over ``X``.
    """
    weight = sample_weight / sample_weight.sum()
    # in X's precision: a float64 vector would make numpy cast X to float64
    vector = np.full(X.shape[1] + 1, (X.shape[1] + 1) ** -0.5, dtype=X.dtype)
    eigenvalue = 0.0
    for _ in range(n_iter):
        projection = (weight * (X @ vector[:-1] + vector[-1])).astype(X.dtype)
        image = np.append(X.T @ projection, projection.sum())
        largest = float(np.abs(image).max())
        if largest == 0.0:
            break
        # the norm of image / largest: squaring image itself could overflow
        previous, eigenvalue = eigenvalue, largest * float(np.linalg.norm(image / largest))
        vector = (image / eigenvalue).astype(X.dtype)
        if abs(eigenvalue - previous) <= rtol * eigenvalue:
            break
    return eigenvalue


def mean_squared_norm(squared_norms, sample_weight):
    """Weighted mean of ``‖(x, 1)‖²`` over the rows, from their ``‖x‖²``."""
    return float(np.average(squared_norms, weights=sample_weight)) + 1.0


def largest_stable_step(X, squared_norms, sample_weight, batch_size, curvature, alpha):
    """The step ``1 / L(B)`` for batches of ``batch_size`` of the rows of X.

    ``squared_norms`` holds each row's ``‖x‖²``; ``curvature`` is the loss's
    largest second derivative in the net input: 1/4 for the sigmoid, 1/2 for
    softmax.
    """
    n_samples = X.shape[0]
    if batch_size <= 1 or n_samples <= 1:
        return 1.0 / (curvature * mean_squared_norm(squared_norms, sample_weight) + alpha)
    batch_size = min(batch_size, n_samples)
    # An estimate from evenly spaced rows is enough to choose a step; rows
    # of a sparse matrix cannot be picked without a copy, so it uses them all.
    rows, weights = X, sample_weight
    every = n_samples // _EIGENVALUE_ROWS
    if every > 1 and not sp.issparse(X):
        rows, weights = X[::every], sample_weight[::every]
        if every >= 8:  # a contiguous copy, at most an eighth of X, multiplies faster
            rows = np.ascontiguousarray(rows)
    whole_batch = curvature * largest_eigenvalue(rows, weights)
    if batch_size == n_samples:  # the full batch: the per-sample term below weighs nothing
        return 1.0 / (whole_batch + alpha)
    per_sample = curvature * mean_squared_norm(squared_norms, sample_weight)
    smoothness = (
        n_samples * (batch_size - 1) * whole_batch + (n_samples - batch_size) * per_sample
    ) / (batch_size * (n_samples - 1))
    return 1.0 / (smoothness + alpha)

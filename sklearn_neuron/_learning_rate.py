"""The step size ``learning_rate="auto"`` picks for the gradient rules.

A step is safe when it is below ``1 / L``, where ``L`` bounds the curvature of
the loss the step descends. For the log-loss of a sigmoid neuron the curvature
along an input ``a = (x, 1)`` is at most ``a·a / 4`` (``/ 2`` for softmax), so

* one sample at a time sees at most ``c · mean(‖a‖²)`` on average, and
* the whole batch at most ``c · λ_max(mean(a aᵀ))``, the largest eigenvalue.

A mini-batch of ``B`` samples lies in between; we interpolate as in Gower et
al., "SGD: General Analysis and Improved Rates" (ICML 2019), eq. (14).
"""

import numpy as np
import scipy.sparse as sp

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


def auto_learning_rate(X, squared_norms, sample_weight, batch_size, curvature, alpha):
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

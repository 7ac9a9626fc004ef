"""Probabilities from net inputs: the sigmoid and softmax of ``z / T``, without overflow.

The net inputs of many samples are short rows, one value per class; numpy
reduces slowly along a short last axis, so the row maxima and sums below go
a column at a time, or through a product with a vector of ones, several times
faster.
"""

import numpy as np
from scipy.special import log_expit


def row_max(scores):
    """The largest value of each row of a 2-d array."""
    largest = scores[:, 0].copy()
    for k in range(1, scores.shape[1]):
        np.maximum(largest, scores[:, k], out=largest)
    return largest


def row_sum(scores):
    """The sum of each row of a 2-d array."""
    return scores @ np.ones(scores.shape[1], dtype=scores.dtype)


def probabilities(scores, temperature):
    """``[σ(−z/T), σ(z/T)]`` for one net input a sample, else softmax(z / T) (in place)."""
    if scores.ndim == 1:
        # Each class from its own exponential, 1 / (1 + exp(∓z/T)): exact to
        # rounding at both ends (an exponential overflowing to infinity gives
        # 0), and three passes over the output.
        proba = np.empty((len(scores), 2), dtype=scores.dtype)
        with np.errstate(over="ignore"):
            np.divide(scores, temperature, out=proba[:, 0])
            np.divide(scores, -temperature, out=proba[:, 1])
            np.exp(proba, out=proba)
        proba += 1.0
        return np.reciprocal(proba, out=proba)
    scores /= temperature
    # shifted by each row's largest z, so that exp cannot overflow
    scores -= row_max(scores)[:, np.newaxis]
    np.exp(scores, out=scores)
    scores /= row_sum(scores)[:, np.newaxis]
    return scores


def log_probabilities(scores, temperature):
    """The logarithm of :func:`probabilities`, without underflow (in place)."""
    scores /= temperature
    if scores.ndim == 1:
        return np.column_stack([log_expit(-scores), log_expit(scores)])
    # log-softmax: z − m − log Σ exp(z − m), with m the row's largest z
    scores -= row_max(scores)[:, np.newaxis]
    scores -= np.log(row_sum(np.exp(scores)))[:, np.newaxis]
    return scores

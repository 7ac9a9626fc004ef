"""Probabilities from net inputs: the sigmoid and softmax of ``z / T``, without overflow.

For one net input a sample, each class gets its own sigmoid, ``σ(−z/T)`` and
``σ(z/T)``, rather than one of them and its complement: both are then exact to
rounding at both ends, where ``1 − σ`` would round a probability of 1e-20 to 0.
"""

import numpy as np
from scipy.special import expit, log_expit, log_softmax, softmax


def probabilities(scores, temperature, log=False):
    """``[σ(−z/T), σ(z/T)]`` for one net input a sample, else softmax(z / T).

    With ``log``, their logarithm, without underflow.
    """
    scores = scores / temperature
    if scores.ndim == 1:
        sigmoid = log_expit if log else expit
        return np.column_stack([sigmoid(-scores), sigmoid(scores)])
    return (log_softmax if log else softmax)(scores, axis=1)

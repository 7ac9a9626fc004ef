"""Probabilities for the perceptron rule: a temperature on the net input.

The perceptron rule learns where to put the boundary, not how sure to be: its
net input ``z`` has an arbitrary scale. We turn it into probabilities with the
same sigmoid (softmax for several classes) as the gradient rule, on ``z / T``,
and choose the temperature ``T`` that minimises the weighted log-loss on the
training data. As in Platt (1999), the targets are pulled slightly away from
0 and 1 by the class sizes, so that separable data does not drive ``T`` to 0.
Dividing by ``T > 0`` keeps the order of ``z``, hence ``argmax`` and ranking.
"""

import numpy as np
from scipy.optimize import minimize_scalar
from scipy.special import log_softmax


def platt_targets(targets, sample_weight, n_classes):
    """Soft targets: ``(N + 1) / (N + 2)`` for a sample's class of size ``N``.

    The remaining ``1 / (N + 2)`` is shared by the other classes.
    """
    class_sizes = np.bincount(targets, weights=sample_weight, minlength=n_classes)
    own = (class_sizes[targets] + 1.0) / (class_sizes[targets] + 2.0)
    soft = np.repeat(((1.0 - own) / (n_classes - 1))[:, None], n_classes, axis=1)
    soft[np.arange(len(targets)), targets] = own
    return soft


def fit_temperature(net_input, targets, sample_weight):
    """The temperature ``T`` for which ``softmax(z / T)`` best fits the targets.

    Parameters
    ----------
    net_input : ndarray of shape (n_samples,) or (n_samples, n_classes)
        The net input ``z``; one column means two classes (``z`` of class 1
        against 0 for class 0).
    targets : ndarray of shape (n_samples,)
        Class indices.
    sample_weight : ndarray of shape (n_samples,)

    Returns
    -------
    temperature : float
    """
    z = np.asarray(net_input, dtype=np.float64)
    if z.ndim == 1:
        z = np.column_stack([np.zeros_like(z), z])
    soft_targets = platt_targets(targets, sample_weight, z.shape[1])
    weight = sample_weight / sample_weight.sum()
    spread = np.abs(z).max()
    if spread == 0.0:
        return 1.0

    # The log-loss is convex in 1 / T; we search log(spread / T) on a bracket
    # from near-uniform probabilities to near-certainty.
    def log_loss(log_inverse):
        scaled = z * (np.exp(log_inverse) / spread)
        return -np.sum(weight * np.sum(soft_targets * log_softmax(scaled, axis=1), axis=1))

    result = minimize_scalar(
        log_loss, bounds=(-20.0, 20.0), method="bounded", options={"xatol": 1e-6}
    )
    return float(spread / np.exp(result.x))

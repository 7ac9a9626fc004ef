"""Probabilities for the perceptron rule: a temperature on the net input.

The perceptron rule learns where to put the boundary, not how sure to be: its
net input ``z`` has an arbitrary scale. We turn it into probabilities with the
same sigmoid (softmax for several classes) as the gradient rule, on ``z / T``,
and choose the temperature ``T`` that minimises the weighted log-loss on the
training data. As in Platt (1999), the targets are pulled slightly away from
0 and 1 by the class sizes, so that separable data does not drive ``T`` to 0.
Dividing by ``T > 0`` keeps the order of ``z``, hence ``argmax`` and ranking.
"""

import sys

import numpy as np
import scipy.sparse as sp
from sklearn.utils import check_random_state

from ._full_batch_kernels import tempered_moments

# The temperature's Newton starts from a sample of at most this many rows.
TEMPERATURE_START_ROWS = 10_000


def class_sizes(targets, sample_weight, n_classes, unit):
    """Each class's size for Platt's targets: its weight, in units of the lightest sample.

    Platt's targets count samples, and sample weights have no unit of their
    own: ``unit`` is the smallest positive sample weight, class weights
    aside, and a sample of that weight counts as one. Weights of any scale
    (1/n each, or 1000 each) then count as unit weights do, integer weights,
    whose lightest is 1, as the samples repeated, and a class weight of 2 as
    the class's samples counted twice.
    """
    return np.bincount(targets, weights=sample_weight / unit, minlength=n_classes)


def fit_temperature(net_input, targets, sample_weight, sizes, largest=sys.float_info.max):
    """The temperature ``T`` for which ``softmax(z / T)`` best fits the targets.

    Parameters
    ----------
    net_input : ndarray of shape (n_samples,) or (n_samples, n_classes)
        The net input ``z``; one column means two classes (``z`` of class 1
        against 0 for class 0).
    targets : ndarray of shape (n_samples,)
        Class indices.
    sample_weight : ndarray of shape (n_samples,)
    largest : float
        The largest number of the data's dtype: the temperature stays below.
    sizes : ndarray of shape (n_classes,)
        The class sizes of Platt's targets (:func:`class_sizes`), of these
        samples or, if they are a sample, of the data they were drawn from.

    Returns
    -------
    temperature : float
    """
    z = np.asarray(net_input, dtype=np.float64)
    spread = np.abs(z).max()
    if spread == 0.0:
        return 1.0
    # Platt's target of each class for its own samples, (N + 1) / (N + 2) for a
    # class of size N; the remaining 1 / (N + 2) is shared by the other classes
    own = (sizes + 1.0) / (sizes + 2.0)

    # The log-loss against soft targets t is  logsumexp(a z) − a Σ_k t_k z_k
    # per sample, with a = 1 / T: convex in a, with the derivatives
    #   f'(a) = E_p[z] − Σ_k t_k z_k,   f''(a) = Var_p[z]   (p = softmax(a z)),
    # weighted means over the samples. Newton's method finds the zero of f'.
    # It runs on z / spread, where a = spread / T is near 1, so that nothing
    # overflows.
    z = (z / spread).reshape(len(z), -1)
    weight = sample_weight / sample_weight.sum()
    # The full data's Newton starts from the optimum of an evenly spaced
    # sample: that is within about 1 / sqrt(sample) of its own, and Newton
    # doubles the correct digits a pass, so that three passes over all rows
    # finish where seven or more did from a = 1.
    inverse = 1.0
    sample = slice(0, len(z), -(-len(z) // TEMPERATURE_START_ROWS))
    if len(z) > 2 * TEMPERATURE_START_ROWS and weight[sample].sum() > 0:
        sampled_weight = weight[sample] / weight[sample].sum()
        inverse = newton(z[sample], targets[sample], sampled_weight, own, inverse, spread, largest)
    return float(spread / newton(z, targets, weight, own, inverse, spread, largest))


def newton(z, targets, weight, own, inverse, spread, largest):
    """The ``a`` where ``f'(a)`` of :func:`fit_temperature` is zero, from ``inverse``.

    Newton's method, safeguarded by the bracket that the sign of ``f'``
    keeps; one compiled pass over ``z`` a step.
    """
    z = np.ascontiguousarray(z)
    mean_target_z = target_mean(z, targets, weight, own)
    # From near-uniform probabilities to near-certainty, and never so small
    # that T = spread / a would overflow.
    low = np.exp(max(-20.0, float(np.log(spread) - np.log(largest)) + 1.0))
    high = np.exp(20.0)
    inverse = min(max(inverse, low), high)
    for _ in range(100):
        mean_z, curvature = tempered_moments(z, weight, inverse)
        slope = mean_z - mean_target_z
        low, high = (low, inverse) if slope > 0 else (inverse, high)
        step = inverse - slope / curvature if curvature > 0 else np.nan
        bisected = not low < step < high
        if bisected:  # outside the bracket: its geometric middle
            step = np.sqrt(low * high)
        # A Newton step of ε leaves an error of about ε² (1e-12 here): the
        # step needs no pass to confirm it.
        converged = (not bisected and abs(step - inverse) <= 1e-6 * inverse) or (
            high <= low * (1 + 1e-12)
        )
        inverse = step
        if converged:
            break
    return inverse


def target_mean(z, targets, weight, own):
    """``Σ_k t_k z_k``, the soft targets' net input, in the weighted mean over the samples.

    ``own`` is each class's target for its own samples (see
    :func:`fit_temperature`); the rest is shared by the other classes.
    """
    n_classes = len(own)
    if z.shape[1] == 1:  # z of class 1 against 0 for class 0
        of_class = np.bincount(targets, weights=weight * z[:, 0], minlength=2)
        return (1.0 - own[0]) * of_class[0] + own[1] * of_class[1]
    z_own = z[np.arange(len(z)), targets]
    of_own = np.bincount(targets, weights=weight * z_own, minlength=n_classes)
    of_others = np.bincount(targets, weights=weight * (z.sum(axis=1) - z_own), minlength=n_classes)
    return own @ of_own + ((1.0 - own) / (n_classes - 1)) @ of_others


# A uniform sample of this many streamed rows fits the temperature (a single
# number) as well as all of them would; at most this many stored values keeps
# it small next to wide dense rows.
STREAM_SAMPLE_ROWS = 1_000
STREAM_SAMPLE_VALUES = 2**20


def stream_with(stream, chunk, unit, n_classes, random_state):
    """What calibration keeps of a stream, with one more chunk ``(X, targets, sample_weight)``.

    A dict: ``sample``, a uniform sample of the rows streamed so far
    (:func:`reservoir_sample`), of at most ``capacity`` rows; ``n_seen``, how
    many were streamed; ``class_sizes``, their weighted class sizes, and
    ``unit``, the smallest positive sample weight, for Platt's targets; and
    ``rng``, the stream's own random numbers. ``unit`` is the chunk's
    smallest positive sample weight (class weights aside). None starts a stream: its
    capacity is set by the first chunk's row width, and its random numbers
    are drawn from ``random_state`` once, so that an int ``random_state``
    does not replay the same numbers for every chunk.
    """
    X, targets, sample_weight = chunk
    if stream is None:
        stored_per_row = X.nnz / max(X.shape[0], 1) if sp.issparse(X) else X.shape[1]
        stream = {
            "sample": None,
            "capacity": max(
                1, min(STREAM_SAMPLE_ROWS, int(STREAM_SAMPLE_VALUES // max(stored_per_row, 1)))
            ),
            "n_seen": 0,
            "class_sizes": np.zeros(n_classes),
            "unit": np.inf,
            "rng": np.random.RandomState(check_random_state(random_state).randint(2**31 - 1)),
        }
    return {
        **stream,
        "sample": reservoir_sample(
            stream["sample"], chunk, stream["n_seen"], stream["capacity"], stream["rng"]
        ),
        "n_seen": stream["n_seen"] + len(targets),
        "class_sizes": stream["class_sizes"]
        + np.bincount(targets, weights=sample_weight, minlength=n_classes),
        "unit": min(stream["unit"], unit),
    }


def reservoir_sample(sample, chunk, n_seen, capacity, rng):
    """A uniform sample of the rows streamed so far, updated with one more chunk.

    Vitter's algorithm R: the ``k``-th row of the stream (from 0) takes a
    place in the sample with probability ``capacity / (k + 1)``, evicting a
    row chosen uniformly at random, so that every row streamed is in the
    sample with the same probability.

    Parameters
    ----------
    sample : tuple (X, targets, sample_weight) or None
        The sample of the ``n_seen`` rows streamed before this chunk.
    chunk : tuple (X, targets, sample_weight)
        The rows of the chunk (X dense or CSR; a sample and a chunk of
        different kinds are stacked as CSR).
    n_seen : int
        How many rows were streamed before the chunk.
    capacity : int
        The most rows the sample holds.
    rng : numpy.random.RandomState

    Returns
    -------
    sample : tuple (X, targets, sample_weight)
    """
    X = chunk[0]
    position = n_seen + np.arange(X.shape[0], dtype=np.int64)  # of each row in the stream
    place = np.where(position < capacity, position, rng.randint(0, position + 1))
    taken = np.flatnonzero(place < capacity)
    if len(taken) == 0:
        return sample
    # Of rows of the chunk that take the same place, the last one stays; only
    # those are copied. Row j of the new sample is row source[j] of
    # [sample; kept rows].
    last = len(taken) - 1 - np.unique(place[taken][::-1], return_index=True)[1]
    kept = taken[last]
    n_sampled = 0 if sample is None else sample[0].shape[0]
    source = np.arange(min(capacity, n_seen + X.shape[0]))
    source[place[kept]] = n_sampled + np.arange(len(kept))
    rows = tuple(part[kept] for part in chunk)
    if sample is not None:
        rows = (
            _stack_rows(sample[0], rows[0]),
            np.concatenate([sample[1], rows[1]]),
            np.concatenate([sample[2], rows[2]]),
        )
    return tuple(part[source] for part in rows)


def _stack_rows(top, bottom):
    if sp.issparse(top) or sp.issparse(bottom):
        return sp.vstack([sp.csr_matrix(top), sp.csr_matrix(bottom)], format="csr")
    return np.concatenate([top, bottom])

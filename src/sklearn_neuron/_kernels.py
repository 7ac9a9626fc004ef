"""The neuron's arithmetic, compiled with numba.

Both learning rules are one update. For a sample ``x`` with target ``t``, the
neuron computes its net input ``z = w·x + b`` and its output ``f(z)``, and moves
its weights by the error times the input::

    Δw = η · (t − f(z)) · x        Δb = η · (t − f(z))

Only the activation ``f`` differs:

* ``STEP`` (one neuron, two classes): Rosenblatt's perceptron rule;
* ``WINNER_TAKES_ALL`` (one neuron per class): the multi-class perceptron;
* ``SIGMOID`` (one neuron, two classes): gradient descent on the log-loss;
* ``SOFTMAX`` (one neuron per class): gradient descent on the multinomial
  log-loss, as in multinomial logistic regression.

:func:`error_signal` computes ``t − f(z)``; :func:`epoch` applies the update over
one pass of the data, in (mini-)batches; :func:`batch_errors` computes the error
signals of many samples at once, for full-batch training.
"""

import math

import numba
import numpy as np
from llvmlite import ir
from numba import types
from numba.extending import intrinsic, overload

STEP = 0
WINNER_TAKES_ALL = 1
SIGMOID = 2
SOFTMAX = 3


def jit(function=None, **options):
    """Compile ``function`` with numba, caching the machine code when possible.

    The cache lives next to the source; on a read-only install there is no
    place to write it, and numba refuses ``cache=True`` at decoration time.
    We then compile without a cache rather than fail to import. ``options``
    go to ``numba.njit`` (used as ``@jit(inline="always")``).
    """
    if function is None:
        return lambda function: jit(function, **options)
    try:
        return numba.njit(cache=True, nogil=True, **options)(function)
    except RuntimeError:
        return numba.njit(cache=False, nogil=True, **options)(function)


# The small functions are inlined into the epoch loop: a call per sample costs
# more than the arithmetic it holds.
@jit(inline="always")
def error_signal(z, target, activation, error):
    """Write ``t − f(z)`` into ``error``; return the sample's loss and mistake.

    Parameters
    ----------
    z : ndarray of shape (n_neurons,)
        Net inputs of the neurons for one sample.
    target : int
        Index of the sample's class (0 or 1 with a single neuron).
    activation : int
        One of ``STEP``, ``WINNER_TAKES_ALL``, ``SIGMOID``, ``SOFTMAX``.
    error : ndarray of shape (n_neurons,)
        Output: the target minus the neurons' outputs.

    Returns
    -------
    loss : float
        The perceptron criterion (how far on the wrong side the sample is) for
        the perceptron rules, the log-loss for the gradient rules.
    mistake : int
        1 if the neuron got the sample wrong, else 0.
    """
    if activation == SIGMOID or activation == SOFTMAX:
        exponentials(z, activation, error)
        return gradient_error(z, target, activation, error)
    return perceptron_error(z, target, activation, error)


@jit(inline="always")
def perceptron_error(z, target, activation, error):
    """:func:`error_signal` of the step and of winner-takes-all."""
    if activation == STEP:
        t = 1.0 if target == 1 else 0.0
        # margin > 0 when the neuron is on the right side of the sample;
        # a zero net input is on neither side: it counts as a mistake.
        margin = z[0] if target == 1 else -z[0]
        output = t if margin > 0.0 else 1.0 - t
        error[0] = t - output
        return max(-margin, 0.0), 1 if margin <= 0.0 else 0

    # Winner takes all: the output is 1 for the strongest neuron and 0
    # elsewhere; a tie with the target counts as a mistake, as z = 0 does
    # for a single neuron.
    rival = strongest_rival(z, target)
    for k in range(z.shape[0]):
        error[k] = 0.0
    margin = z[target] - z[rival]
    if margin <= 0.0:
        error[target] = 1.0
        error[rival] = -1.0
        return -margin, 1
    return 0.0, 0


@jit(inline="always")
def strongest_rival(z, target):
    """The neuron with the largest net input other than the target's."""
    rival = 0 if target != 0 else 1
    for k in range(z.shape[0]):
        if k != target and z[k] > z[rival]:
            rival = k
    return rival


@jit(inline="always")
def exponentials(z, activation, out):
    """Write the exponentials that the sigmoid or softmax is made of into ``out``.

    ``e^−|z|`` for the sigmoid, ``e^(z_k − max z)`` for softmax: neither can
    overflow. (Full-batch epochs compute them with numpy: see _full_batch.py.)
    """
    if activation == SIGMOID:
        out[0] = math.exp(-abs(z[0]))
        return
    largest = z[0]
    for k in range(1, z.shape[0]):
        largest = max(largest, z[k])
    for k in range(z.shape[0]):
        out[k] = math.exp(z[k] - largest)


@jit(inline="always")
def gradient_error(z, target, activation, error):
    """:func:`error_signal` of the sigmoid and softmax, from the ``exponentials`` in ``error``."""
    if activation == SIGMOID:
        t = 1.0 if target == 1 else 0.0
        margin = z[0] if target == 1 else -z[0]
        exp_minus_abs = error[0]
        sigmoid_abs = 1.0 / (1.0 + exp_minus_abs)  # σ(|z|); σ(−|z|) is e^−|z| · σ(|z|)
        output = sigmoid_abs if z[0] >= 0.0 else exp_minus_abs * sigmoid_abs
        error[0] = t - output
        # The log-loss softplus(−margin) shares the exponential. It takes
        # log(1 + e^−|z|) rather than log1p: twice as fast, and off by no
        # more than the rounding of 1 + e^−|z|, below 1.2e-16.
        loss = max(-margin, 0.0) + math.log(1.0 + exp_minus_abs)
        # predict says class 1 only for z > 0
        return loss, 1 if (z[0] > 0.0) != (target == 1) else 0

    # Softmax: e^(z_k − largest) / their total.
    total = 0.0
    for k in range(z.shape[0]):
        total += error[k]
    for k in range(z.shape[0]):
        error[k] = -error[k] / total
    error[target] += 1.0
    rival = strongest_rival(z, target)
    largest = max(z[rival], z[target])
    loss = math.log(total) - (z[target] - largest)
    # predict takes the first of tied neurons, as numpy.argmax does
    predicted_wrong = z[rival] > z[target] or (z[rival] == z[target] and rival < target)
    return loss, 1 if predicted_wrong else 0


# The rows of X come as a tuple ``(dense, data, indices, indptr)``: either a
# dense array (and empty CSR arrays) or a CSR matrix's arrays (and an empty
# dense array). One compiled epoch serves both, and is cached across processes.


def as_rows(X):
    """The ``rows`` tuple the kernels read, for a dense array or a CSR matrix."""
    if hasattr(X, "indptr"):
        return np.empty((0, 0), dtype=X.dtype), X.data, X.indices, X.indptr
    empty_indices = np.empty(0, dtype=np.int32)
    return X, np.empty(0, dtype=X.dtype), empty_indices, empty_indices


@jit(inline="always")
def net_input(rows, i, coef, scale, intercept, z):
    """``z = scale · coef @ x_i + intercept`` for row ``i``."""
    dense, data, indices, indptr = rows
    for k in range(coef.shape[0]):
        # Four running sums, added at the end: the processor works on all four
        # at once, where one sum waits for each addition before the next (an
        # online epoch takes 10 to 30 % less time). The order is fixed, so the
        # result is the same from run to run.
        s0 = s1 = s2 = s3 = 0.0
        if indptr.shape[0] == 0:
            n_features = dense.shape[1]
            fours = n_features - n_features % 4
            for j in range(0, fours, 4):
                s0 += coef[k, j] * dense[i, j]
                s1 += coef[k, j + 1] * dense[i, j + 1]
                s2 += coef[k, j + 2] * dense[i, j + 2]
                s3 += coef[k, j + 3] * dense[i, j + 3]
            for j in range(fours, n_features):
                s0 += coef[k, j] * dense[i, j]
        else:
            start, stop = indptr[i], indptr[i + 1]
            fours = stop - (stop - start) % 4
            for p in range(start, fours, 4):
                s0 += coef[k, indices[p]] * data[p]
                s1 += coef[k, indices[p + 1]] * data[p + 1]
                s2 += coef[k, indices[p + 2]] * data[p + 2]
                s3 += coef[k, indices[p + 3]] * data[p + 3]
            for p in range(fours, stop):
                s0 += coef[k, indices[p]] * data[p]
        z[k] = scale * ((s0 + s1) + (s2 + s3)) + intercept[k]


# Shuffled rows come from anywhere in memory, and waiting for each one costs
# more than learning from it. The epoch asks for the row it will need a few
# samples later, so that it arrives while the current one is learned from.
PREFETCH_DISTANCE = 8
_CACHE_LINE = 64


def prefetch_row(rows, i):
    """Ask the processor to start loading row ``i`` (in pure Python: nothing)."""


@intrinsic
def _prefetch(typingctx, address):
    """LLVM's prefetch of the cache line at ``address`` (for reading, kept in cache)."""
    if not isinstance(address, types.Integer):
        return None

    def codegen(context, builder, signature, args):
        pointer_type = ir.IntType(8).as_pointer()
        int32 = ir.IntType(32)
        function_type = ir.FunctionType(ir.VoidType(), [pointer_type, int32, int32, int32])
        prefetch = builder.module.declare_intrinsic("llvm.prefetch", [pointer_type], function_type)
        pointer = builder.inttoptr(args[0], pointer_type)
        builder.call(prefetch, [pointer, int32(0), int32(3), int32(1)])
        return context.get_dummy_value()

    return types.void(address), codegen


@overload(prefetch_row, inline="always")
def _compiled_prefetch_row(rows, i):
    def prefetch_row(rows, i):
        dense, data, indices, indptr = rows
        if indptr.shape[0] == 0:
            start, size = dense.ctypes.data + i * dense.strides[0], dense.shape[1] * dense.itemsize
            for offset in range(0, size, _CACHE_LINE):
                _prefetch(start + offset)
        else:
            count = indptr[i + 1] - indptr[i]
            start, size = data.ctypes.data + indptr[i] * data.itemsize, count * data.itemsize
            for offset in range(0, size, _CACHE_LINE):
                _prefetch(start + offset)
            start, size = (
                indices.ctypes.data + indptr[i] * indices.itemsize,
                count * indices.itemsize,
            )
            for offset in range(0, size, _CACHE_LINE):
                _prefetch(start + offset)

    return prefetch_row


@jit(inline="always")
def add_row(rows, i, step, weights):
    """``weights += step · x_i`` for row ``i``."""
    dense, data, indices, indptr = rows
    if indptr.shape[0] == 0:
        for j in range(dense.shape[1]):
            weights[j] += step * dense[i, j]
    else:
        for p in range(indptr[i], indptr[i + 1]):
            weights[indices[p]] += step * data[p]


@jit
def fold_scale(coef, scale, scale_sum, correction, coef_sum, average):
    """Multiply ``scale`` into ``coef``; settle the running sum of the weights.

    Since the last fold the weights were ``scale_k · coef_k`` after step k,
    and their sum is ``scale_sum · coef − correction`` (see ``epoch``).
    """
    if average:
        coef_sum += scale_sum * coef - correction
        correction[:] = 0.0
    coef *= scale


@jit
def epoch(
    rows,
    targets,
    sample_weight,
    order,
    coef,
    intercept,
    activation,
    learning_rate,
    alpha,
    batch_size,
    average,
    coef_sum,
    intercept_sum,
    steps,
):
    """One pass over ``X[order]`` in batches; update the weights in place.

    Each batch first meets the weights as they are (forward), then every
    sample of it moves them by ``η · s · (t − f(z)) · x / batch`` (learn),
    after the L2 penalty has shrunk them by ``1 − η·alpha``. The weights
    are kept as ``scale · coef`` so that shrinking costs one multiplication
    rather than a pass over all features (it matters for sparse rows).

    With ``average``, ``coef_sum`` and ``intercept_sum`` gain the weights
    after every step and ``steps[0]`` counts the steps, so that their ratio
    is the averaged weights. Adding all weights after every step would
    cost a pass over all features; instead, with ``S`` the sum of the
    scales so far, the sum of ``scale_k · coef_k`` is ``S · coef`` less a
    ``correction`` that grows only where a row changes ``coef``.

    Returns the weighted sums of the samples' losses and mistakes, and the
    number of mistakes among samples of non-zero weight.
    """
    n_neurons = coef.shape[0]
    n_samples = order.shape[0]
    batch_size = max(1, min(batch_size, n_samples))
    z = np.empty(n_neurons)
    errors = np.empty((batch_size, n_neurons))
    decay = 1.0 - learning_rate * alpha
    scale = 1.0
    scale_sum = 0.0
    correction = np.zeros((n_neurons, coef.shape[1] if average else 0))
    total_loss = 0.0
    weighted_mistakes = 0.0
    mistakes = 0
    for start in range(0, n_samples, batch_size):
        stop = min(start + batch_size, n_samples)
        for b in range(start, stop):
            i = order[b]
            if b + PREFETCH_DISTANCE < n_samples:
                prefetch_row(rows, order[b + PREFETCH_DISTANCE])
            net_input(rows, i, coef, scale, intercept, z)
            loss, mistake = error_signal(z, targets[i], activation, errors[b - start])
            total_loss += sample_weight[i] * loss
            weighted_mistakes += sample_weight[i] * mistake
            if sample_weight[i] > 0.0:
                mistakes += mistake

        scale *= decay
        # Folding costs a pass over all features; folding too late makes
        # coef, and with averaging the correction, large and inexact.
        if scale < 1e-6:
            fold_scale(coef, scale, scale_sum, correction, coef_sum, average)
            scale, scale_sum = 1.0, 0.0
        step = learning_rate / (stop - start)
        for b in range(start, stop):
            i = order[b]
            for k in range(n_neurons):
                delta = step * sample_weight[i] * errors[b - start, k]
                if delta != 0.0:
                    add_row(rows, i, delta / scale, coef[k])
                    intercept[k] += delta
                    if average:
                        add_row(rows, i, scale_sum * delta / scale, correction[k])
        if average:
            scale_sum += scale
            for k in range(n_neurons):
                intercept_sum[k] += intercept[k]
            steps[0] += 1
    fold_scale(coef, scale, scale_sum, correction, coef_sum, average)
    return total_loss, weighted_mistakes, mistakes


@jit
def batch_errors(z, targets, sample_weight, activation, errors, error_sums):
    """Turn ``errors`` into ``s · (t − f(z))`` for each row of the net inputs ``z``.

    For the gradient rules ``errors`` comes holding the :func:`exponentials`
    of ``z``; for the perceptron rules its contents are ignored. The column
    sums of the errors are added to ``error_sums`` (the bias's update).

    Returns the weighted sums of the samples' losses and mistakes, and the
    number of mistakes among samples of non-zero weight.
    """
    # Each kind of rule has a loop of its own: one loop holding both took
    # 70 % longer for the sigmoid (13,000 samples: 180 µs against 107).
    if activation == SIGMOID or activation == SOFTMAX:
        return _gradient_batch_errors(z, targets, sample_weight, activation, errors, error_sums)
    return _perceptron_batch_errors(z, targets, sample_weight, activation, errors, error_sums)


@jit
def _gradient_batch_errors(z, targets, sample_weight, activation, errors, error_sums):
    total_loss, weighted_mistakes, mistakes = 0.0, 0.0, 0
    for i in range(z.shape[0]):
        loss, mistake = gradient_error(z[i], targets[i], activation, errors[i])
        weigh(errors[i], sample_weight[i], error_sums)
        total_loss += sample_weight[i] * loss
        weighted_mistakes += sample_weight[i] * mistake
        mistakes += mistake if sample_weight[i] > 0.0 else 0
    return total_loss, weighted_mistakes, mistakes


@jit
def _perceptron_batch_errors(z, targets, sample_weight, activation, errors, error_sums):
    total_loss, weighted_mistakes, mistakes = 0.0, 0.0, 0
    for i in range(z.shape[0]):
        loss, mistake = perceptron_error(z[i], targets[i], activation, errors[i])
        weigh(errors[i], sample_weight[i], error_sums)
        total_loss += sample_weight[i] * loss
        weighted_mistakes += sample_weight[i] * mistake
        mistakes += mistake if sample_weight[i] > 0.0 else 0
    return total_loss, weighted_mistakes, mistakes


@jit(inline="always")
def weigh(error, weight, error_sums):
    """``error *= weight``, and add it to ``error_sums``."""
    for k in range(error.shape[0]):
        error[k] *= weight
        error_sums[k] += error[k]

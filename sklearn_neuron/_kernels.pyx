# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""The neuron's arithmetic, compiled with Cython.

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
one pass of the data, online or in mini-batches. (The full batch's passes are in
_full_batch_kernels.pyx.)

The weights live in one state, :c:type:`Weights`, with the few operations
every epoch needs: the net input (a dot product), adding a multiple of a row,
and the L2 penalty's shrinking and the running average kept implicitly, so
that neither costs a pass over all the weights per step. :func:`epoch` is the
one loop over the samples, online or in mini-batches, dense or sparse rows.

The loops run without the GIL: threads training different weights run in
parallel. The order of every floating-point operation is fixed, so that a fit
gives the same bits from run to run and machine to machine (do not build with
-ffast-math, and keep -ffp-contract=off: a fused multiply-add rounds once where
the rule rounds twice). A net input is summed in feature order, as
scikit-learn's ``Perceptron`` sums it, for dense and sparse rows alike, so
that a sample exactly on the boundary is a mistake everywhere or nowhere.
"""

from cython cimport floating
from libc.math cimport exp, fabs, log
from libc.stdint cimport int32_t, int64_t
from libc.stdlib cimport free, malloc

import numpy as np

cpdef enum:
    STEP = 0
    WINNER_TAKES_ALL = 1
    SIGMOID = 2
    SOFTMAX = 3

ctypedef Py_ssize_t intp_t  # numpy's intp: targets and order

ctypedef fused index_t:  # a CSR matrix's indices and indptr
    int32_t
    int64_t

# Shuffled rows come from anywhere in memory, and waiting for each one costs
# more than learning from it: ``prefetch`` asks for memory ahead of need (see
# prefetch_ahead). gcc counts __builtin_prefetch as no side effect, finds a
# function that only prefetches pure, and drops the calls to it, unless an
# empty volatile asm says otherwise.
cdef extern from *:
    """
    #include <stdint.h>

    /* Ask for the cache lines of the n_bytes at start, for reading, into the
       core's second-level cache (locality 2: prefetcht1 on x86), where
       shuffled epochs measured faster than with the first level's.
       The empty volatile asm is a side effect, so that gcc keeps the calls. */
    static inline void skn_prefetch(const void *start, Py_ssize_t n_bytes) {
    #if defined(__GNUC__) || defined(__clang__)
        /* from the line that holds the first byte to the one that holds the
           last: numpy aligns arrays to 16 bytes, so a row of 320 bytes
           (40 doubles) meets six lines, not five */
        const char *line = (const char *)((uintptr_t)start & ~(uintptr_t)63);
        const char *end = (const char *)start + n_bytes;
        for (; line < end; line += 64)
            __builtin_prefetch(line, 0, 2);
        __asm__ __volatile__("");
    #else
        (void)start; (void)n_bytes;
    #endif
    }

    """
    void prefetch "skn_prefetch"(const void *start, Py_ssize_t n_bytes) noexcept nogil


# The error signal ------------------------------------------------------------

cdef inline double larger(double a, double b) noexcept nogil:
    """``max(a, b)`` as Python takes it: ``a`` unless ``b`` is greater (so NaN and −0.0 stay)."""
    return b if b > a else a


cdef inline (double, double, int) error_signal(
    const double *z, Py_ssize_t n_neurons, intp_t target, int activation, double *error
) noexcept nogil:
    """Write ``t − f(z)`` into ``error``; return the sample's loss and mistake.

    ``z`` holds the net inputs of the ``n_neurons`` neurons for one sample,
    ``target`` the index of its class (0 or 1 with a single neuron). The loss is
    the perceptron criterion (how far on the wrong side the sample is) for the
    perceptron rules, the log-loss for the gradient rules, as two terms
    ``linear + log(log_argument)``: the epoch takes one logarithm for many
    samples (see :func:`count`); ``log_argument`` is 1 for the perceptron
    rules, in [1, n_neurons] for the gradient rules. The mistake is 1 if the
    neuron got the sample wrong, else 0.
    """
    cdef double t, margin, output, exp_minus_abs, sigmoid_abs, total = 0.0, largest
    cdef Py_ssize_t k, rival
    cdef bint predicted_wrong
    if activation == SIGMOID:
        exp_minus_abs = exp(-fabs(z[0]))  # σ and the log-loss from e^−|z|: no overflow
        t = (1.0 if target == 1 else 0.0)
        margin = (z[0] if target == 1 else -z[0])
        sigmoid_abs = 1.0 / (1.0 + exp_minus_abs)  # σ(|z|); σ(−|z|) is e^−|z| · σ(|z|)
        output = (sigmoid_abs if z[0] >= 0.0 else exp_minus_abs * sigmoid_abs)
        error[0] = t - output
        # The log-loss softplus(−margin) shares the exponential. It takes
        # log(1 + e^−|z|) rather than log1p: twice as fast, and off by no
        # more than the rounding of 1 + e^−|z|, below 1.2e-16.
        # predict says class 1 only for z > 0
        return larger(-margin, 0.0), 1.0 + exp_minus_abs, (1 if (z[0] > 0.0) != (target == 1) else 0)
    if activation == STEP:
        t = (1.0 if target == 1 else 0.0)
        # margin > 0 when the neuron is on the right side of the sample;
        # a zero net input is on neither side: it counts as a mistake.
        margin = (z[0] if target == 1 else -z[0])
        output = (t if margin > 0.0 else 1.0 - t)
        error[0] = t - output
        return larger(-margin, 0.0), 1.0, (1 if margin <= 0.0 else 0)
    if activation == WINNER_TAKES_ALL:
        # The output is 1 for the strongest neuron and 0 elsewhere; a tie
        # with the target counts as a mistake, as z = 0 does for one neuron.
        rival = strongest_rival(z, n_neurons, target)
        for k in range(n_neurons):
            error[k] = 0.0
        margin = z[target] - z[rival]
        if margin <= 0.0:
            error[target] = 1.0
            error[rival] = -1.0
            return -margin, 1.0, 1
        return 0.0, 1.0, 0
    # Softmax: e^(z_k − largest) / their total, which cannot overflow.
    largest = z[0]
    for k in range(1, n_neurons):
        largest = larger(largest, z[k])
    for k in range(n_neurons):
        error[k] = exp(z[k] - largest)
        total += error[k]
    for k in range(n_neurons):
        error[k] = -error[k] / total
    error[target] += 1.0
    rival = strongest_rival(z, n_neurons, target)
    largest = larger(z[rival], z[target])
    # predict takes the first of tied neurons, as numpy.argmax does
    predicted_wrong = z[rival] > z[target] or (z[rival] == z[target] and rival < target)
    return -(z[target] - largest), total, (1 if predicted_wrong else 0)


cdef inline Py_ssize_t strongest_rival(const double *z, Py_ssize_t n_neurons, intp_t target) noexcept nogil:
    """The neuron with the largest net input other than the target's."""
    cdef Py_ssize_t k, rival = 0 if target != 0 else 1
    for k in range(n_neurons):
        if k != target and z[k] > z[rival]:
            rival = k
    return rival


# The rows of X ---------------------------------------------------------------
#
# X comes as ``values, indices, indptr``: a CSR matrix's arrays, or a dense
# array's values and two NULL pointers. A row ``x`` is then its values, their
# columns (NULL for a dense row: the columns are 0, 1, ...) and their number.

cdef inline Py_ssize_t find_row(
    Py_ssize_t i, const floating *values, const index_t *indices, const index_t *indptr,
    Py_ssize_t n_features, const floating **x, const index_t **columns,
) noexcept nogil:
    """Point ``x`` and ``columns`` at row ``i`` of X; return its number of values."""
    if indptr == NULL:
        x[0] = values + i * n_features
        columns[0] = NULL
        return n_features
    x[0] = values + indptr[i]
    columns[0] = indices + indptr[i]
    return indptr[i + 1] - indptr[i]


# The weights -------------------------------------------------------------------
#
# One state holds the weights of every neuron and, for averaging, a correction
# beside each (below). Where the weight of feature j in neuron k lies depends
# on the rows:
#
#   * dense rows meet every weight in turn: each neuron's weights lie in a row
#     of their own, then their corrections, so that an update of a row of
#     weights runs as vector instructions;
#   * a sparse row meets a few weights from anywhere: each weight lies beside
#     its correction, and a feature's neurons beside each other, so that a
#     stored value meets one cache line for all it changes (apart, weights
#     and corrections met two, far from each other, once they outgrew the
#     core's cache).
#
# The values are float64; for float32 X each weight is rounded to float32 at
# every update, as a float32 array of weights would be.
#
# The true weights are ``scale · weight``: the L2 penalty shrinks them all by
# ``1 − η·alpha`` a step, and that costs one multiplication, not a pass over
# every weight. Averaged, the sum of the weights over the steps is
# ``scale_sum · weight − correction``, with ``scale_sum`` the sum of the
# scales so far: a step adds to the corrections of the weights it changes, and
# nothing to the others.

cdef struct Weights:
    double *values  # the weight of feature j in neuron k: values[k * per_neuron + j * per_feature]
    Py_ssize_t per_neuron, per_feature, to_correction  # its correction: to_correction further
    double *intercept  # the biases, rounded as X's dtype rounds
    double *coef_sum  # (n_neurons, n_features): the sums of the weights, settled by fold
    double *intercept_sum
    Py_ssize_t n_neurons, n_features, steps
    double scale, inverse_scale, scale_sum
    bint average, in_feature_order  # see dot


cdef inline void net_input(
    Weights *w, const floating *x, const index_t *columns, Py_ssize_t size, double *z
) noexcept nogil:
    """``z_k = scale · (weight_k · x) + b_k`` for every neuron, four at a time."""
    cdef Py_ssize_t k
    for k in range(0, w.n_neurons, 4):
        dot(w, w.values + k * w.per_neuron, x, columns, size, min(4, w.n_neurons - k), z + k)
    for k in range(w.n_neurons):
        z[k] = z[k] * w.scale + w.intercept[k]


cdef inline void dot(
    Weights *w, const double *weights, const floating *x, const index_t *columns,
    Py_ssize_t size, Py_ssize_t count, double *out,
) noexcept nogil:
    """The dot products of the row with ``count`` (1 to 4) neighbouring neurons' weights.

    Each is one running sum in feature order, as scikit-learn's ``Perceptron``
    takes it, so that a sample exactly on the boundary (a mistake for the
    perceptron rules) is one for dense and sparse rows alike; the (up to)
    four sums are independent, and the processor adds them side by side.
    One neuron alone would wait for each addition before the next: unless
    ``w.in_feature_order``, its sum is split (see :func:`sum_apart`; for the
    sigmoid, where the order only rounds, not ties).
    """
    cdef double s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0
    cdef const double *weight
    cdef floating value
    cdef Py_ssize_t p, step = w.per_neuron, per_feature = w.per_feature
    if count == 1 and not w.in_feature_order:
        sum_apart(weights, per_feature, x, columns, size, out)
        return
    for p in range(size):
        weight = weights + w.per_feature * (p if columns == NULL else columns[p])
        value = x[p]
        s0 += <floating> weight[0] * value
        if count > 1:
            s1 += <floating> weight[step] * value
        if count > 2:
            s2 += <floating> weight[2 * step] * value
        if count > 3:
            s3 += <floating> weight[3 * step] * value
    out[0] = s0
    if count > 1:
        out[1] = s1
    if count > 2:
        out[2] = s2
    if count > 3:
        out[3] = s3


cdef inline void sum_apart(
    const double *weights, Py_ssize_t per_feature, const floating *x, const index_t *columns,
    Py_ssize_t size, double *out,
) noexcept nogil:
    """One neuron's dot product in running sums added at the end: eight for a
    dense row, four for a sparse one, which the processor adds side by side."""
    cdef double s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0, s4 = 0.0, s5 = 0.0, s6 = 0.0, s7 = 0.0
    cdef Py_ssize_t p
    if columns == NULL:  # dense rows: a neuron's weights side by side
        for p in range(0, size - size % 8, 8):
            s0 += <floating> weights[p] * x[p]
            s1 += <floating> weights[p + 1] * x[p + 1]
            s2 += <floating> weights[p + 2] * x[p + 2]
            s3 += <floating> weights[p + 3] * x[p + 3]
            s4 += <floating> weights[p + 4] * x[p + 4]
            s5 += <floating> weights[p + 5] * x[p + 5]
            s6 += <floating> weights[p + 6] * x[p + 6]
            s7 += <floating> weights[p + 7] * x[p + 7]
        for p in range(size - size % 8, size):
            s0 += <floating> weights[p] * x[p]
    else:
        for p in range(0, size - size % 4, 4):
            s0 += <floating> weights[per_feature * columns[p]] * x[p]
            s1 += <floating> weights[per_feature * columns[p + 1]] * x[p + 1]
            s2 += <floating> weights[per_feature * columns[p + 2]] * x[p + 2]
            s3 += <floating> weights[per_feature * columns[p + 3]] * x[p + 3]
        for p in range(size - size % 4, size):
            s0 += <floating> weights[per_feature * columns[p]] * x[p]
    out[0] = ((s0 + s4) + (s1 + s5)) + ((s2 + s6) + (s3 + s7))


cdef inline void add_row(
    Weights *w, Py_ssize_t k, const floating *x, const index_t *columns, Py_ssize_t size,
    double delta,
) noexcept nogil:
    """The update of neuron ``k``: its true weights gain ``delta · x``, its bias ``delta``."""
    cdef double step = delta * w.inverse_scale
    cdef double correction_step = w.scale_sum * step
    cdef Py_ssize_t p, per_feature = w.per_feature, to_correction = w.to_correction
    cdef double *weight
    cdef double *weights = w.values + k * w.per_neuron
    if columns == NULL:  # dense rows: a neuron's weights side by side, then corrections
        for p in range(size):
            weights[p] = <floating> (weights[p] + step * x[p])
            if w.average:
                weights[to_correction + p] += correction_step * x[p]
    else:
        for p in range(size):
            weight = weights + per_feature * columns[p]
            weight[0] = <floating> (weight[0] + step * x[p])
            if w.average:
                weight[to_correction] += correction_step * x[p]
    w.intercept[k] = <floating> (w.intercept[k] + delta)


cdef void fold(Weights *w, const floating *values) noexcept nogil:
    """Multiply the scale into the weights and settle their sums; the scale is 1 again.

    A pass over every weight, taken when the scale falls below 1e-6: later,
    the stored weights, a million times the true ones and more, would lose
    the digits that the true ones keep. (X's ``values`` give the dtype that
    rounds the weights.)
    """
    cdef Py_ssize_t j, k
    cdef double *weight
    for k in range(w.n_neurons):
        for j in range(w.n_features):
            weight = w.values + k * w.per_neuron + j * w.per_feature
            if w.average:
                w.coef_sum[k * w.n_features + j] += w.scale_sum * weight[0] - weight[w.to_correction]
                weight[w.to_correction] = 0.0
            weight[0] = <floating> (weight[0] * w.scale)
    w.scale, w.inverse_scale, w.scale_sum = 1.0, 1.0, 0.0


# The epoch -------------------------------------------------------------------

cdef struct Rule:
    int activation
    double learning_rate, alpha
    Py_ssize_t batch_size


cdef struct Tally:
    # what an epoch returns: its samples' weighted loss and mistakes
    double total_loss
    double log_product  # of the log_argument of samples of weight 1 (see count)
    double weighted_mistakes
    Py_ssize_t mistakes


cdef inline void count(
    Tally *tally, double linear, double log_argument, int mistake, double weight, int activation
) noexcept nogil:
    """Add a sample's loss, ``linear + log(log_argument)``, and its mistake to the tally."""
    if activation == STEP or activation == WINNER_TAKES_ALL:
        tally.total_loss += weight * linear
    elif weight == 1.0:
        # log a + log b = log(a · b): one logarithm for many samples, taken
        # before the product could overflow.
        tally.total_loss += linear
        tally.log_product *= log_argument
        if tally.log_product > 1e280:
            tally.total_loss += log(tally.log_product)
            tally.log_product = 1.0
    else:
        tally.total_loss += weight * (linear + log(log_argument))
    tally.weighted_mistakes += weight * mistake
    if weight > 0.0:
        tally.mistakes += mistake


# Shuffled, a row comes from anywhere in memory, and waiting for it costs more
# than learning from it: the epoch asks for sample b + 16's row, target and
# weight while it learns from sample b. A sparse row meets weights from
# anywhere too: they are asked for four samples ahead, once its columns have
# arrived, and where the row starts (its indptr) 32 samples ahead.
cdef enum:
    PREFETCH_DISTANCE = 16
    WEIGHTS_PREFETCH_DISTANCE = 4


cdef inline void prefetch_ahead(
    Py_ssize_t b, const intp_t[::1] order, const floating *values, const index_t *indices,
    const index_t *indptr, const intp_t[::1] targets, const double[::1] sample_weight, Weights *w,
) noexcept nogil:
    """Ask for what the samples after ``order[b]`` will need (see above)."""
    cdef Py_ssize_t n = order.shape[0], i, p, size
    cdef const floating *x
    cdef const index_t *columns
    if b + PREFETCH_DISTANCE < n:
        i = order[b + PREFETCH_DISTANCE]
        size = find_row(i, values, indices, indptr, w.n_features, &x, &columns)
        prefetch(x, size * <Py_ssize_t> sizeof(floating))
        if columns != NULL:
            prefetch(columns, size * <Py_ssize_t> sizeof(index_t))
        prefetch(&targets[i], sizeof(intp_t))
        prefetch(&sample_weight[i], sizeof(double))
    if indptr != NULL and b + 2 * PREFETCH_DISTANCE < n:
        prefetch(&indptr[order[b + 2 * PREFETCH_DISTANCE]], 2 * sizeof(index_t))
    if indptr != NULL and b + WEIGHTS_PREFETCH_DISTANCE < n:
        i = order[b + WEIGHTS_PREFETCH_DISTANCE]
        for p in range(indptr[i], indptr[i + 1]):
            prefetch(w.values + w.per_feature * indices[p], w.per_feature * sizeof(double))


cdef (double, double, Py_ssize_t) learn(
    const floating *values, const index_t *indices, const index_t *indptr,
    const intp_t[::1] targets, const double[::1] sample_weight, const intp_t[::1] order,
    Weights *w, Rule rule, double *errors,
) noexcept nogil:
    """One pass over the rows ``order`` of X, in batches of ``rule.batch_size``.

    Each batch first meets the weights as they are (forward: the net input,
    the error ``t − f(z)``, the loss and the mistake of every sample), then
    the penalty shrinks them, and every sample of the batch moves them by
    ``η · s · (t − f(z)) · x / batch`` (learn). ``errors`` holds a batch's
    errors, and one more row for the net input.
    """
    cdef Py_ssize_t n_neurons = w.n_neurons, n_samples = order.shape[0], batch, start, stop, b, i, k, size
    cdef double *z = errors + rule.batch_size * n_neurons
    cdef double decay = 1.0 - rule.learning_rate * rule.alpha
    cdef double step, delta, linear, log_argument
    cdef int mistake
    cdef Tally tally = Tally(0.0, 1.0, 0.0, 0)
    cdef const floating *x
    cdef const index_t *columns
    for batch in range((n_samples + rule.batch_size - 1) // rule.batch_size):
        start = batch * rule.batch_size
        stop = min(start + rule.batch_size, n_samples)
        for b in range(start, stop):
            prefetch_ahead(b, order, values, indices, indptr, targets, sample_weight, w)
            i = order[b]
            size = find_row(i, values, indices, indptr, w.n_features, &x, &columns)
            net_input(w, x, columns, size, z)
            linear, log_argument, mistake = error_signal(
                z, n_neurons, targets[i], rule.activation, errors + (b - start) * n_neurons
            )
            count(&tally, linear, log_argument, mistake, sample_weight[i], rule.activation)

        w.scale *= decay
        if w.scale < 1e-6:
            fold(w, values)
        w.inverse_scale = 1.0 / w.scale
        step = rule.learning_rate / (stop - start)
        for b in range(start, stop):
            i = order[b]
            size = find_row(i, values, indices, indptr, w.n_features, &x, &columns)
            for k in range(n_neurons):
                delta = step * sample_weight[i] * errors[(b - start) * n_neurons + k]
                if delta != 0.0:  # zero: the perceptron rule, on a sample it got right
                    add_row(w, k, x, columns, size, delta)
        if w.average:
            w.scale_sum += w.scale
            for k in range(n_neurons):
                w.intercept_sum[k] += w.intercept[k]
            w.steps += 1
    fold(w, values)
    return tally.total_loss + log(tally.log_product), tally.weighted_mistakes, tally.mistakes


def epoch(
    X, targets, sample_weight, order, coef, intercept, int activation, double learning_rate,
    double alpha, Py_ssize_t batch_size, bint average, coef_sum, intercept_sum, steps,
):
    """One pass over ``X[order]`` by the update rule; update the weights in place.

    Each batch of ``batch_size`` samples (1: online) first meets the weights
    as they are, then moves them by ``η · s · (t − f(z)) · x / batch`` after
    the L2 penalty has shrunk them by ``1 − η·alpha``. With ``average``,
    ``coef_sum`` and ``intercept_sum`` gain the weights after every step and
    ``steps[0]`` counts the steps, so that their ratio is the averaged
    weights. The GIL is released for the whole pass. Nothing is checked:
    the caller gives arrays of the shapes below, and rows and classes in range.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features), or CSR matrix
        The samples: a dense float32 or float64 array (C-contiguous, or
        copied to be; read-only is fine), or a scipy CSR matrix or array
        (float32 or float64 data, int32 or int64 indices).
    targets : ndarray of shape (n_samples,), dtype intp
        Index of each sample's class (0 or 1 with a single neuron).
    sample_weight : ndarray of shape (n_samples,), dtype float64
        Weight of each sample, multiplying its step.
    order : ndarray of shape (n_steps,), dtype intp
        The rows of X to learn from, in this order.
    coef, intercept : ndarrays of shape (n_neurons, n_features) and (n_neurons,), X's dtype
        The weights and biases, updated in place.
    activation : int
        One of ``STEP``, ``WINNER_TAKES_ALL``, ``SIGMOID``, ``SOFTMAX``.
    learning_rate, alpha : float
        The step size η and the strength of the L2 penalty.
    batch_size : int
        Samples per step (clipped to 1 .. len(order)).
    average : bool
        Whether to add the weights after every step to the sums below.
    coef_sum, intercept_sum : ndarrays of shape (n_neurons, n_features) and (n_neurons,), float64
        Running sums of the weights and biases, updated in place with ``average``.
    steps : ndarray of shape (1,), dtype int64
        How many steps the sums hold, updated in place with ``average``.

    Returns
    -------
    total_loss : float
        The weighted sum of the samples' losses.
    weighted_mistakes : float
        The weighted sum of the samples' mistakes.
    mistakes : int
        The number of mistakes among samples of non-zero weight.
    """
    if hasattr(X, "indptr"):
        values, indices, indptr = X.data, X.indices, X.indptr
        if indices.dtype != indptr.dtype:
            indices, indptr = indices.astype(np.int64), indptr.astype(np.int64)
    else:
        values = np.ascontiguousarray(X).reshape(-1)
        indices = indptr = np.empty(0, dtype=np.int32)  # dense: no columns
    rule = Rule(activation, learning_rate, alpha, max(1, min(batch_size, len(order))))
    return _epoch(values, indices, indptr, targets, sample_weight, order, coef, intercept,
                  rule, average, coef_sum, intercept_sum, steps)  # fmt: skip


def _epoch(
    const floating[::1] values, const index_t[::1] indices, const index_t[::1] indptr,
    const intp_t[::1] targets, const double[::1] sample_weight, const intp_t[::1] order,
    floating[:, ::1] coef, floating[::1] intercept, Rule rule, bint average,
    double[:, ::1] coef_sum, double[::1] intercept_sum, int64_t[::1] steps,
):
    """:func:`epoch` on X's arrays: the weights into a :c:type:`Weights` and back."""
    cdef Py_ssize_t n_neurons = coef.shape[0], n_features = coef.shape[1], j, k
    cdef double[::1] weights = np.zeros(2 * n_neurons * n_features)
    cdef double[::1] biases = np.asarray(intercept, dtype=np.float64).copy()
    cdef double[::1] errors = np.empty((rule.batch_size + 1) * n_neurons)
    cdef Weights w
    cdef (double, double, Py_ssize_t) sums
    if indptr.shape[0]:  # sparse rows: each weight beside its correction
        w.per_neuron, w.per_feature, w.to_correction = 2, 2 * n_neurons, 1
    else:  # dense rows: rows of weights, then rows of corrections
        w.per_neuron, w.per_feature, w.to_correction = n_features, 1, n_neurons * n_features
    for k in range(n_neurons):
        for j in range(n_features):
            weights[k * w.per_neuron + j * w.per_feature] = coef[k, j]
    w.values, w.intercept, w.n_neurons, w.n_features, w.steps = &weights[0], &biases[0], n_neurons, n_features, 0
    w.scale, w.inverse_scale, w.scale_sum, w.average = 1.0, 1.0, 0.0, average
    w.in_feature_order = rule.activation == STEP or rule.activation == WINNER_TAKES_ALL
    w.coef_sum = &coef_sum[0, 0] if average else NULL
    w.intercept_sum = &intercept_sum[0] if average else NULL
    with nogil:
        sums = learn(
            &values[0] if values.shape[0] else NULL,
            &indices[0] if indptr.shape[0] else NULL,
            &indptr[0] if indptr.shape[0] else NULL,
            targets, sample_weight, order, &w, rule, &errors[0],
        )
    for k in range(n_neurons):
        for j in range(n_features):
            coef[k, j] = <floating> weights[k * w.per_neuron + j * w.per_feature]
    for k in range(n_neurons):
        intercept[k] = <floating> biases[k]
    if average:
        steps[0] += w.steps
    return sums


# Passes over X outside the epochs ----------------------------------------------

def row_squared_norms(
    const floating[::1] values, const index_t[::1] indices, const index_t[::1] indptr,
    double[::1] by_column, double[::1] out,
):
    """``out[i] = ‖x‖²`` of each row ``x = values[indptr[i]:indptr[i + 1]]``: one pass.

    The rows of a CSR matrix (its data, indices and indptr), or of dense X
    raveled (``indptr = 0, d, 2d, …``, no indices); summed in float64
    whatever X's dtype. A NaN or an infinity in a row makes its ``‖x‖²`` NaN
    or infinite: a sum of squares never cancels them. A sparse row whose
    columns do not increase may store a column twice, which scipy reads as
    the sum of the two: its values are first summed per column, in
    ``by_column`` (zeros, one per feature, left as zeros).
    """
    cdef Py_ssize_t i, p, start, end
    cdef double s, s0, s1, s2, s3
    cdef bint increasing
    if out.shape[0] != indptr.shape[0] - 1:
        raise ValueError(f"out holds {out.shape[0]} rows, indptr {indptr.shape[0] - 1}: they must be as many")
    with nogil:
        for i in range(out.shape[0]):
            start, end = indptr[i], indptr[i + 1]
            increasing = True
            if indices.shape[0] > 0:
                for p in range(start + 1, end):
                    increasing = increasing and indices[p] > indices[p - 1]
            s = 0.0
            if increasing:
                s0 = s1 = s2 = s3 = 0.0  # four running sums: a quarter of the wait
                for p in range(start, end - (end - start) % 4, 4):
                    s0 += <double> values[p] * values[p]
                    s1 += <double> values[p + 1] * values[p + 1]
                    s2 += <double> values[p + 2] * values[p + 2]
                    s3 += <double> values[p + 3] * values[p + 3]
                for p in range(end - (end - start) % 4, end):
                    s0 += <double> values[p] * values[p]
                s = (s0 + s1) + (s2 + s3)
            else:
                for p in range(start, end):
                    by_column[indices[p]] += values[p]
                for p in range(start, end):  # each column once: then it is zero
                    s += by_column[indices[p]] * by_column[indices[p]]
                    by_column[indices[p]] = 0.0
            out[i] = s


def interleave_blocks(
    const intp_t[::1] order, const intp_t[::1] starts, Py_ssize_t rows_per_block,
    Py_ssize_t group, intp_t[::1] visited,
):
    """Write into ``visited`` the blocks of ``order`` at ``starts``, ``group`` at a time, a row of each in turn.

    A block is the stretch of ``rows_per_block`` entries of ``order`` from
    its start (the last one may be shorter). The blocks three groups ahead
    are asked for: from anywhere in ``order``, each would otherwise be
    waited for.
    """
    cdef Py_ssize_t n = order.shape[0], n_blocks = starts.shape[0], first = 0, last, r, block, position, m = 0
    if visited.shape[0] != n:
        raise ValueError(f"visited holds {visited.shape[0]} rows, order {n}: they must be as many")
    group = max(group, 1)
    with nogil:
        while first < n_blocks:
            last = min(first + group, n_blocks)
            for block in range(min(first + 3 * group, n_blocks), min(first + 4 * group, n_blocks)):
                if 0 <= starts[block] < n:
                    prefetch(&order[starts[block]], rows_per_block * <Py_ssize_t> sizeof(intp_t))
            for r in range(rows_per_block):
                for block in range(first, last):
                    position = starts[block] + r
                    if position < n:
                        visited[m] = order[position]
                        m += 1
            first = last

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

The loops run without the GIL: threads training different weights run in
parallel. The order of every floating-point operation is fixed, so that a fit
gives the same bits from run to run and machine to machine (do not build with
-ffast-math, and keep -ffp-contract=off: a fused multiply-add rounds once where
the rule rounds twice). On x86-64 this source is built twice, for the
baseline and for processors with AVX2 (_kernels_avx2.pyx); the package runs
the one :mod:`._compiled` picks.
"""

from cython cimport floating
from libc.math cimport exp, fabs, log
from libc.stdint cimport int32_t, int64_t

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

# The rule's choices depend on the data (the sample's class, its side of the
# hyperplane): a branch on them is mispredicted half of the time. gcc keeps the
# branches of ``a if c else b`` between doubles; ``select`` masks the bits of
# both instead (the error signals of the step took 2.9 times as long with branches).
#
# Shuffled rows come from anywhere in memory, and waiting for each one costs
# more than learning from it: ``prefetch`` asks for a row ahead of need (see
# prefetch_row). gcc counts __builtin_prefetch as no side effect, finds a
# function that only prefetches pure, and drops the calls to it: it did so in
# two of the four specializations of the epoch, until the empty volatile asm.
cdef extern from *:
    """
    #include <stdint.h>
    #include <string.h>

    /* condition ? a : b, by masking the bits of both, without a branch */
    static inline double skn_select(int condition, double a, double b) {
        uint64_t bits_a, bits_b, mask = (uint64_t)0 - (uint64_t)(condition != 0);
        memcpy(&bits_a, &a, sizeof a);
        memcpy(&bits_b, &b, sizeof b);
        bits_a = (bits_a & mask) | (bits_b & ~mask);
        memcpy(&a, &bits_a, sizeof a);
        return a;
    }

    /* Ask for the cache lines of the n_bytes at start, for reading, into the
       core's second-level cache (locality 2: prefetcht1 on x86). Asked
       into the first level (locality 3), the shuffled binary epochs of
       benchmarks/speed.py took 4 to 12 % longer, dense and sparse.
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

    /* pair[0] += step * x and pair[1] += correction_step * x, in one SSE2
       instruction each for the two products and sums (the same roundings). */
    #if defined(__SSE2__) || defined(_M_X64)
    #include <emmintrin.h>
    static inline void skn_add_to_pair(double *pair, double step, double correction_step, double x) {
        __m128d products = _mm_mul_pd(_mm_set_pd(correction_step, step), _mm_set1_pd(x));
        _mm_storeu_pd(pair, _mm_add_pd(_mm_loadu_pd(pair), products));
    }
    #else
    static inline void skn_add_to_pair(double *pair, double step, double correction_step, double x) {
        pair[0] += step * x;
        pair[1] += correction_step * x;
    }
    #endif

    /* Whether the processor (and the operating system) run AVX2 instructions. */
    static int skn_processor_has_avx2(void) {
    #if (defined(__GNUC__) || defined(__clang__)) && (defined(__x86_64__) || defined(__i386__))
        __builtin_cpu_init();
        return __builtin_cpu_supports("avx2") != 0;
    #else
        return 0;
    #endif
    }
    """
    double select "skn_select"(bint condition, double a, double b) noexcept nogil
    void prefetch "skn_prefetch"(const void *start, Py_ssize_t n_bytes) noexcept nogil
    void add_to_pair "skn_add_to_pair"(double *pair, double step, double correction_step, double x) noexcept nogil
    int skn_processor_has_avx2() noexcept nogil


def processor_has_avx2():
    """Whether this processor runs the AVX2 build of these kernels (see _compiled.py)."""
    return skn_processor_has_avx2() != 0


# The error signal ------------------------------------------------------------

cdef inline double larger(double a, double b) noexcept nogil:
    """``max(a, b)`` as Python takes it: ``a`` unless ``b`` is greater (so NaN and −0.0 stay)."""
    return select(b > a, b, a)


cdef inline (double, double, int) error_signal(
    const double *z, Py_ssize_t n_neurons, intp_t target, int activation, double *error
) noexcept nogil:
    """Write ``t − f(z)`` into ``error``; return the sample's loss and mistake.

    ``z`` holds the net inputs of the ``n_neurons`` neurons for one sample,
    ``target`` the index of its class (0 or 1 with a single neuron). The loss is
    the perceptron criterion (how far on the wrong side the sample is) for the
    perceptron rules, the log-loss for the gradient rules, as two terms
    ``linear + log(log_argument)`` (``log_argument`` is 1 for the perceptron
    rules); the mistake is 1 if the neuron got the sample wrong, else 0.
    """
    cdef double loss
    cdef int mistake
    if activation == SIGMOID or activation == SOFTMAX:
        exponentials(z, n_neurons, activation, error)
        return gradient_error_terms(z, n_neurons, target, activation, error)
    loss, mistake = perceptron_error(z, n_neurons, target, activation, error)
    return loss, 1.0, mistake


cdef inline (double, int) perceptron_error(
    const double *z, Py_ssize_t n_neurons, intp_t target, int activation, double *error
) noexcept nogil:
    """:func:`error_signal` of the step and of winner-takes-all."""
    cdef double t, margin, output
    cdef Py_ssize_t k, rival
    if activation == STEP:
        t = select(target == 1, 1.0, 0.0)
        # margin > 0 when the neuron is on the right side of the sample;
        # a zero net input is on neither side: it counts as a mistake.
        margin = select(target == 1, z[0], -z[0])
        output = select(margin > 0.0, t, 1.0 - t)
        error[0] = t - output
        return larger(-margin, 0.0), (1 if margin <= 0.0 else 0)

    # Winner takes all: the output is 1 for the strongest neuron and 0
    # elsewhere; a tie with the target counts as a mistake, as z = 0 does
    # for a single neuron.
    rival = strongest_rival(z, n_neurons, target)
    for k in range(n_neurons):
        error[k] = 0.0
    margin = z[target] - z[rival]
    if margin <= 0.0:
        error[target] = 1.0
        error[rival] = -1.0
        return -margin, 1
    return 0.0, 0


cdef inline Py_ssize_t strongest_rival(const double *z, Py_ssize_t n_neurons, intp_t target) noexcept nogil:
    """The neuron with the largest net input other than the target's."""
    cdef Py_ssize_t k, rival = 0 if target != 0 else 1
    for k in range(n_neurons):
        if k != target and z[k] > z[rival]:
            rival = k
    return rival


cdef inline void exponentials(const double *z, Py_ssize_t n_neurons, int activation, double *out) noexcept nogil:
    """Write the exponentials that the sigmoid or softmax is made of into ``out``.

    ``e^−|z|`` for the sigmoid, ``e^(z_k − max z)`` for softmax: neither can
    overflow. (Full-batch epochs compute them with numpy: see _full_batch.py.)
    """
    cdef double largest
    cdef Py_ssize_t k
    if activation == SIGMOID:
        out[0] = exp(-fabs(z[0]))
        return
    largest = z[0]
    for k in range(1, n_neurons):
        largest = larger(largest, z[k])
    for k in range(n_neurons):
        out[k] = exp(z[k] - largest)


cdef inline (double, int) gradient_error(
    const double *z, Py_ssize_t n_neurons, intp_t target, int activation, double *error
) noexcept nogil:
    """:func:`error_signal` of the sigmoid and softmax, from the ``exponentials`` in ``error``."""
    cdef double linear, log_argument
    cdef int mistake
    linear, log_argument, mistake = gradient_error_terms(z, n_neurons, target, activation, error)
    return linear + log(log_argument), mistake


cdef inline (double, double, int) gradient_error_terms(
    const double *z, Py_ssize_t n_neurons, intp_t target, int activation, double *error
) noexcept nogil:
    """:func:`gradient_error`, with the loss in two terms: ``linear + log(log_argument)``.

    The online epoch takes one logarithm for many samples (see
    ``learn_epoch``); ``log_argument`` is in [1, n_neurons].
    """
    cdef double t, margin, exp_minus_abs, sigmoid_abs, output, total, largest
    cdef Py_ssize_t k, rival
    cdef bint predicted_wrong
    if activation == SIGMOID:
        t = select(target == 1, 1.0, 0.0)
        margin = select(target == 1, z[0], -z[0])
        exp_minus_abs = error[0]
        sigmoid_abs = 1.0 / (1.0 + exp_minus_abs)  # σ(|z|); σ(−|z|) is e^−|z| · σ(|z|)
        output = select(z[0] >= 0.0, sigmoid_abs, exp_minus_abs * sigmoid_abs)
        error[0] = t - output
        # The log-loss softplus(−margin) shares the exponential. It takes
        # log(1 + e^−|z|) rather than log1p: twice as fast, and off by no
        # more than the rounding of 1 + e^−|z|, below 1.2e-16.
        # predict says class 1 only for z > 0
        return larger(-margin, 0.0), 1.0 + exp_minus_abs, (1 if (z[0] > 0.0) != (target == 1) else 0)

    # Softmax: e^(z_k − largest) / their total.
    total = 0.0
    for k in range(n_neurons):
        total += error[k]
    for k in range(n_neurons):
        error[k] = -error[k] / total
    error[target] += 1.0
    rival = strongest_rival(z, n_neurons, target)
    largest = larger(z[rival], z[target])
    # predict takes the first of tied neurons, as numpy.argmax does
    predicted_wrong = z[rival] > z[target] or (z[rival] == z[target] and rival < target)
    return -(z[target] - largest), total, (1 if predicted_wrong else 0)


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


cdef inline void net_input(
    const floating *x, const index_t *columns, Py_ssize_t size, const floating *coef,
    Py_ssize_t n_neurons, Py_ssize_t n_features, double scale, const floating *intercept, double *z,
) noexcept nogil:
    """``z = scale · coef @ x + intercept`` for the row ``x``."""
    cdef Py_ssize_t k
    for k in range(n_neurons):
        z[k] = scale * dot(coef + k * n_features, x, columns, size) + intercept[k]


cdef inline double dot(const floating *w, const floating *x, const index_t *columns, Py_ssize_t size) noexcept nogil:
    """``w · x`` for the row ``x``.

    Running sums added at the end, eight for a dense row and four for a
    sparse one: the processor works on all at once, where one sum waits for
    each addition before the next (four took an online epoch 10 to 30 % less
    time than one; eight, on dense rows of 100 features and five neurons,
    another 5 to 10 %). The order is fixed, so the result is the same from run
    to run.
    """
    cdef double s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0, s4 = 0.0, s5 = 0.0, s6 = 0.0, s7 = 0.0
    cdef Py_ssize_t p, fours = size - size % 4, eights = size - size % 8
    if columns == NULL:
        for p in range(0, eights, 8):
            s0 += w[p] * x[p]
            s1 += w[p + 1] * x[p + 1]
            s2 += w[p + 2] * x[p + 2]
            s3 += w[p + 3] * x[p + 3]
            s4 += w[p + 4] * x[p + 4]
            s5 += w[p + 5] * x[p + 5]
            s6 += w[p + 6] * x[p + 6]
            s7 += w[p + 7] * x[p + 7]
        for p in range(eights, fours, 4):
            s0 += w[p] * x[p]
            s1 += w[p + 1] * x[p + 1]
            s2 += w[p + 2] * x[p + 2]
            s3 += w[p + 3] * x[p + 3]
        for p in range(fours, size):
            s0 += w[p] * x[p]
        return ((s0 + s4) + (s1 + s5)) + ((s2 + s6) + (s3 + s7))
    else:
        for p in range(0, fours, 4):
            s0 += w[columns[p]] * x[p]
            s1 += w[columns[p + 1]] * x[p + 1]
            s2 += w[columns[p + 2]] * x[p + 2]
            s3 += w[columns[p + 3]] * x[p + 3]
        for p in range(fours, size):
            s0 += w[columns[p]] * x[p]
    return (s0 + s1) + (s2 + s3)


cdef inline void add_row(
    const floating *x, const index_t *columns, Py_ssize_t size, double step, floating *weights
) noexcept nogil:
    """``weights += step · x`` for the row ``x``."""
    cdef Py_ssize_t p
    if columns == NULL:
        for p in range(size):
            weights[p] += step * x[p]
    else:
        for p in range(size):
            weights[columns[p]] += step * x[p]


cdef inline void add_row_and_correction(
    const floating *x, const index_t *columns, Py_ssize_t size, double step, floating *weights,
    double correction_step, double *correction,
) noexcept nogil:
    """``weights += step · x`` and ``correction += correction_step · x`` for the row ``x``."""
    cdef Py_ssize_t p
    if columns == NULL:
        for p in range(size):
            weights[p] += step * x[p]
            correction[p] += correction_step * x[p]
    else:
        for p in range(size):
            weights[columns[p]] += step * x[p]
            correction[columns[p]] += correction_step * x[p]


cdef inline double update_then_dot(
    const floating *x, double step, floating *weights, double correction_step, double *correction,
    bint average, const floating *following, Py_ssize_t size,
) noexcept nogil:
    """:func:`add_row_and_correction` (or :func:`add_row`) of the dense row ``x``,
    then ``weights · following`` as :func:`dot` takes it, in the same pass: each
    weight is read once (apart, the two passes took 15 % longer)."""
    cdef double s[8]
    cdef floating updated
    cdef Py_ssize_t p, q, fours = size - size % 4, eights = size - size % 8
    if average:
        for p in range(size):
            correction[p] += correction_step * x[p]
    for q in range(8):
        s[q] = 0.0
    for p in range(0, eights, 8):
        for q in range(8):
            updated = weights[p + q] + step * x[p + q]
            weights[p + q] = updated
            s[q] += updated * following[p + q]
    for p in range(eights, fours, 4):
        for q in range(4):
            updated = weights[p + q] + step * x[p + q]
            weights[p + q] = updated
            s[q] += updated * following[p + q]
    for p in range(fours, size):
        updated = weights[p] + step * x[p]
        weights[p] = updated
        s[0] += updated * following[p]
    return ((s[0] + s[4]) + (s[1] + s[5])) + ((s[2] + s[6]) + (s[3] + s[7]))


# The epoch asks for the row it will need sixteen samples later, so that it
# arrives while the current ones are learned from (shuffled epochs take 20 to
# 35 % less time than without, epochs in row order 5 to 35 % less; eight
# samples ahead left shuffled epochs 15 to 40 % slower than sixteen).
# A sparse row meets weights from anywhere in coef (and, averaged, in the
# correction): twelve samples later, when its columns have arrived, four
# samples before it is learned from, those are asked for too (averaged
# epochs of the sparse text of benchmarks/speed.py, 2**18 features, took 25
# to 35 % less time; asked for eight samples ahead instead of four, they
# waited for the row's columns to arrive, and the epochs took 4 to 7 % more).
# Shuffled, even where a sparse row starts (its entries of indptr) is far
# away: that is asked for sixteen samples before the row is (3 to 7 % less
# time).
cdef enum:
    PREFETCH_DISTANCE = 16
    WEIGHTS_PREFETCH_DISTANCE = 4


cdef inline void prefetch_row(const floating *x, const index_t *columns, Py_ssize_t size) noexcept nogil:
    """Ask the processor to start loading the row ``x`` (its values, and columns if sparse)."""
    prefetch(x, size * <Py_ssize_t> sizeof(floating))
    if columns != NULL:
        prefetch(columns, size * <Py_ssize_t> sizeof(index_t))


cdef inline void prefetch_weights(
    Py_ssize_t i, const index_t *indices, const index_t *indptr, floating[:, ::1] coef,
    double[:, ::1] correction, Py_ssize_t n_neurons, bint average,
) noexcept nogil:
    """Ask for the weights (and corrections) that the sparse row ``i`` will meet."""
    cdef Py_ssize_t p, k
    for k in range(n_neurons):
        for p in range(indptr[i], indptr[i + 1]):
            prefetch(&coef[k, indices[p]], 1)
            if average:
                prefetch(&correction[k, indices[p]], 1)


cdef inline void prefetch_sample(
    Py_ssize_t i, const floating *values, const index_t *indices, const index_t *indptr,
    Py_ssize_t n_features, const intp_t[::1] targets, const double[::1] sample_weight,
) noexcept nogil:
    """Ask for sample ``i``: its row, and its target and weight, which, shuffled, are
    as far away (asking for them too halved a shuffled epoch of 400,000 rows)."""
    cdef const floating *x
    cdef const index_t *columns
    cdef Py_ssize_t size = find_row(i, values, indices, indptr, n_features, &x, &columns)
    prefetch_row(x, columns, size)
    prefetch(&targets[i], sizeof(intp_t))
    prefetch(&sample_weight[i], sizeof(double))


# The epoch -------------------------------------------------------------------

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
        # log a + log b = log(a · b): one logarithm for many samples
        # (one per sample took a sixth of an epoch in row order),
        # taken before the product could overflow.
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


cdef void fold_scale(
    floating[:, ::1] coef, double scale, double scale_sum, double[:, ::1] correction,
    double[:, ::1] coef_sum, bint average,
) noexcept nogil:
    """Multiply ``scale`` into ``coef``; settle the running sum of the weights.

    Since the last fold the weights were ``scale_k · coef_k`` after step k,
    and their sum is ``scale_sum · coef − correction`` (see ``epoch``).
    """
    cdef Py_ssize_t k, j
    if average:
        for k in range(coef.shape[0]):
            for j in range(coef.shape[1]):
                coef_sum[k, j] += scale_sum * coef[k, j] - correction[k, j]
                correction[k, j] = 0.0
    for k in range(coef.shape[0]):
        for j in range(coef.shape[1]):
            coef[k, j] *= scale


cdef (double, double, Py_ssize_t) run_epoch(
    const floating *values, const index_t *indices, const index_t *indptr, Py_ssize_t n_features,
    const intp_t[::1] targets, const double[::1] sample_weight, const intp_t[::1] order,
    floating[:, ::1] coef, floating[::1] intercept, int activation, double learning_rate,
    double alpha, Py_ssize_t batch_size, bint average, double[:, ::1] coef_sum,
    double[::1] intercept_sum, int64_t[::1] steps,
    double[::1] z, double[:, ::1] errors, double[:, ::1] correction,
) noexcept nogil:
    """:func:`epoch` on the rows of X; ``z``, ``errors`` and ``correction`` are scratch
    (``batch_size`` rows of errors, ``correction`` zero)."""
    # Each activation has a loop of its own, where it is a constant (and so
    # is the single neuron of the step and the sigmoid).
    if activation == STEP:
        return learn_epoch(
            values, indices, indptr, n_features, targets, sample_weight, order, coef, intercept,
            STEP, learning_rate, alpha, batch_size, average, coef_sum, intercept_sum, steps,
            z, errors, correction,
        )
    if activation == SIGMOID:
        return learn_epoch(
            values, indices, indptr, n_features, targets, sample_weight, order, coef, intercept,
            SIGMOID, learning_rate, alpha, batch_size, average, coef_sum, intercept_sum, steps,
            z, errors, correction,
        )
    if activation == SOFTMAX:
        return learn_epoch(
            values, indices, indptr, n_features, targets, sample_weight, order, coef, intercept,
            SOFTMAX, learning_rate, alpha, batch_size, average, coef_sum, intercept_sum, steps,
            z, errors, correction,
        )
    return learn_epoch(
        values, indices, indptr, n_features, targets, sample_weight, order, coef, intercept,
        WINNER_TAKES_ALL, learning_rate, alpha, batch_size, average, coef_sum, intercept_sum, steps,
        z, errors, correction,
    )


cdef inline (double, double, Py_ssize_t) learn_epoch(
    const floating *values, const index_t *indices, const index_t *indptr, Py_ssize_t n_features,
    const intp_t[::1] targets, const double[::1] sample_weight, const intp_t[::1] order,
    floating[:, ::1] coef, floating[::1] intercept, int activation, double learning_rate,
    double alpha, Py_ssize_t batch_size, bint average, double[:, ::1] coef_sum,
    double[::1] intercept_sum, int64_t[::1] steps,
    double[::1] z, double[:, ::1] errors, double[:, ::1] correction,
) noexcept nogil:
    """:func:`run_epoch` for one ``activation``."""
    if batch_size == 1 and indptr == NULL and (activation == STEP or activation == SIGMOID):
        return learn_online_dense(
            values, n_features, targets, sample_weight, order, coef, intercept, activation,
            learning_rate, alpha, average, coef_sum, intercept_sum, steps, correction,
        )
    if learns_in_pairs(indptr, activation, batch_size, average):
        return learn_online_sparse(
            values, indices, indptr, targets, sample_weight, order, coef, intercept, activation,
            learning_rate, alpha, coef_sum, intercept_sum, steps, &correction[0, 0],
        )
    cdef Py_ssize_t n_neurons = 1 if activation == STEP or activation == SIGMOID else coef.shape[0]
    cdef Py_ssize_t n_samples = order.shape[0]
    cdef double decay = 1.0 - learning_rate * alpha
    cdef double scale = 1.0, scale_sum = 0.0
    cdef Tally tally = Tally(0.0, 1.0, 0.0, 0)
    cdef Py_ssize_t n_steps = 0
    cdef Py_ssize_t batch, start, stop, b, i, k, size
    cdef double linear, log_argument, step, delta, inverse_scale
    cdef int mistake
    cdef const floating *x
    cdef const index_t *columns
    # every batch but perhaps the last has batch_size samples
    cdef double full_step = learning_rate / batch_size
    for batch in range((n_samples + batch_size - 1) // batch_size):
        start = batch * batch_size
        stop = min(start + batch_size, n_samples)
        # forward: every sample of the batch meets the weights as they are
        for b in range(start, stop):
            i = order[b]
            if indptr != NULL and b + 2 * PREFETCH_DISTANCE < n_samples:
                prefetch(&indptr[order[b + 2 * PREFETCH_DISTANCE]], 2 * sizeof(index_t))
            if b + PREFETCH_DISTANCE < n_samples:
                prefetch_sample(order[b + PREFETCH_DISTANCE], values, indices, indptr, n_features, targets, sample_weight)
            if indptr != NULL and b + WEIGHTS_PREFETCH_DISTANCE < n_samples:
                prefetch_weights(
                    order[b + WEIGHTS_PREFETCH_DISTANCE], indices, indptr, coef, correction, n_neurons, average
                )
            size = find_row(i, values, indices, indptr, n_features, &x, &columns)
            net_input(x, columns, size, &coef[0, 0], n_neurons, n_features, scale, &intercept[0], &z[0])
            linear, log_argument, mistake = error_signal(
                &z[0], n_neurons, targets[i], activation, &errors[b - start, 0]
            )
            count(&tally, linear, log_argument, mistake, sample_weight[i], activation)

        scale *= decay
        # Folding costs a pass over all features; folding too late makes
        # coef, and with averaging the correction, large and inexact.
        if scale < 1e-6:
            fold_scale(coef, scale, scale_sum, correction, coef_sum, average)
            scale, scale_sum = 1.0, 0.0
        # one division a batch, which no sample waits for
        inverse_scale = 1.0 / scale
        # learn: Δw = η · s · (t − f(z)) · x / batch, in units of the scale
        step = full_step if stop - start == batch_size else learning_rate / (stop - start)
        for b in range(start, stop):
            i = order[b]
            size = find_row(i, values, indices, indptr, n_features, &x, &columns)
            for k in range(n_neurons):
                delta = step * sample_weight[i] * errors[b - start, k]
                if delta == 0.0:  # the perceptron rule, on a sample it got right
                    continue
                if average:
                    # one pass over the row for both: it is read from memory once
                    add_row_and_correction(
                        x, columns, size, delta * inverse_scale, &coef[k, 0],
                        scale_sum * (delta * inverse_scale), &correction[k, 0],
                    )
                else:
                    add_row(x, columns, size, delta * inverse_scale, &coef[k, 0])
                intercept[k] += delta
        if average:
            scale_sum += scale
            for k in range(n_neurons):
                intercept_sum[k] += intercept[k]
            n_steps += 1
    if average:
        steps[0] += n_steps
    fold_scale(coef, scale, scale_sum, correction, coef_sum, average)
    return tally.total_loss + log(tally.log_product), tally.weighted_mistakes, tally.mistakes


# One neuron online on dense rows: a net input need not wait for the update
# before it. That update adds a multiple of the last row x to the weights w,
# so the net input of the next row x' is
#
#     (w + c·x) · x' = w · x' + c · (x · x')
#
# and both dot products on the right need only the weights before the update,
# and the rows: they are computed while the error that makes ``c`` is. What
# waits for the error is then one multiplication and one addition, not the
# update and a dot product over the row (shuffled epochs of 225,000 x 40 took
# 15 to 30 % less time for the sigmoid, 10 % for the step; in row order 25 and
# 20 %). The weights take the same updates in the same order as in
# learn_epoch; the net inputs differ from a direct dot product by rounding.
# (With a neuron per class, the extra dot product cost more than the wait
# saved: those keep learn_epoch.)

cdef inline (double, double, Py_ssize_t) learn_online_dense(
    const floating *values, Py_ssize_t n_features,
    const intp_t[::1] targets, const double[::1] sample_weight, const intp_t[::1] order,
    floating[:, ::1] coef, floating[::1] intercept, int activation, double learning_rate,
    double alpha, bint average, double[:, ::1] coef_sum,
    double[::1] intercept_sum, int64_t[::1] steps, double[:, ::1] correction,
) noexcept nogil:
    """:func:`learn_epoch` of the step or the sigmoid, one sample a step, on dense rows."""
    cdef Py_ssize_t n_samples = order.shape[0]
    cdef double decay = 1.0 - learning_rate * alpha
    cdef double scale = 1.0, scale_sum = 0.0
    cdef Tally tally = Tally(0.0, 1.0, 0.0, 0)
    cdef Py_ssize_t n_steps = 0, b, i
    cdef double linear, log_argument, z, error, inverse_scale
    cdef int mistake
    cdef floating *weights = &coef[0, 0]
    cdef const floating *x
    cdef const floating *following
    # the update of the last row, not yet applied: its delta (0.0: none), its
    # step in units of the scale and its correction's; and the two dot products
    cdef const floating *last = NULL
    cdef double delta = 0.0, step = 0.0, correction_step = 0.0
    cdef double dot_before = 0.0  # weights · this row, before the update
    cdef double gram = 0.0  # the last row · this one
    if n_samples > 0:
        dot_before = dot(weights, values + order[0] * n_features, <const int32_t *> NULL, n_features)
    for b in range(n_samples):
        i = order[b]
        if b + PREFETCH_DISTANCE < n_samples:
            prefetch_sample(
                order[b + PREFETCH_DISTANCE], values, <const int32_t *> NULL, <const int32_t *> NULL,
                n_features, targets, sample_weight,
            )
        x = values + i * n_features
        # forward: z = scale · (weights + the pending update) · x + intercept
        z = (scale * dot_before + intercept[0]) + delta * gram
        linear, log_argument, mistake = error_signal(&z, 1, targets[i], activation, &error)
        count(&tally, linear, log_argument, mistake, sample_weight[i], activation)

        # the pending update, which z did not wait for, and the next row's
        # two dot products, from the weights as they are then
        following = values + order[min(b + 1, n_samples - 1)] * n_features
        scale *= decay
        if scale < 1e-6:  # fold as learn_epoch does: between the two updates
            if delta != 0.0:
                add_update(last, n_features, step, weights, correction_step, &correction[0, 0], average)
            fold_scale(coef, scale, scale_sum, correction, coef_sum, average)
            scale, scale_sum = 1.0, 0.0
            dot_before = dot(weights, following, <const int32_t *> NULL, n_features)
        elif delta != 0.0:
            dot_before = update_then_dot(
                last, step, weights, correction_step, &correction[0, 0], average, following, n_features
            )
        else:
            dot_before = dot(weights, following, <const int32_t *> NULL, n_features)
        gram = dot(x, following, <const int32_t *> NULL, n_features)

        # learn: Δw = η · s · (t − f(z)) · x, in units of the scale, pending
        inverse_scale = 1.0 / scale
        delta = learning_rate * sample_weight[i] * error
        if delta != 0.0:  # zero: the perceptron rule, on a sample it got right
            step = delta * inverse_scale
            correction_step = scale_sum * (delta * inverse_scale)
            intercept[0] += delta
        last = x
        if average:
            scale_sum += scale
            intercept_sum[0] += intercept[0]
            n_steps += 1
    if delta != 0.0:
        add_update(last, n_features, step, weights, correction_step, &correction[0, 0], average)
    if average:
        steps[0] += n_steps
    fold_scale(coef, scale, scale_sum, correction, coef_sum, average)
    return tally.total_loss + log(tally.log_product), tally.weighted_mistakes, tally.mistakes


cdef inline void add_update(
    const floating *x, Py_ssize_t size, double step, floating *weights,
    double correction_step, double *correction, bint average,
) noexcept nogil:
    """``weights += step · x``, and with ``average`` its correction, for the dense row ``x``."""
    if average:
        add_row_and_correction(x, <const int32_t *> NULL, size, step, weights, correction_step, correction)
    else:
        add_row(x, <const int32_t *> NULL, size, step, weights)


# One neuron online on sparse rows, averaged: a row's columns are anywhere in
# the weights, and at 2**18 features the weights and the averaging's
# correction are each larger than a core's own cache, so
# that every value of a row met two cache lines from farther away: one
# for its weight, one for its correction. Kept side by side, as the pairs
#
#     pairs[2j] = coef[0, j]        pairs[2j + 1] = correction[0, j]
#
# a value meets one line, which its net input has already brought in when
# the update comes, and one SSE2 instruction updates both (averaged epochs
# of the sparse text of benchmarks/speed.py, 2**18 features, took 20 to 25 %
# less time, as long as without averaging). The pairs hold the weights in
# float64; for a float32 coef each is rounded to float32 at every update, as
# coef itself is, so that the weights are those of learn_epoch to the bit.

cdef inline bint learns_in_pairs(const void *indptr, int activation, Py_ssize_t batch_size, bint average) noexcept nogil:
    """Whether :func:`run_epoch` takes :func:`learn_online_sparse` (its ``correction`` then holds the pairs)."""
    return indptr != NULL and (activation == STEP or activation == SIGMOID) and batch_size == 1 and average


cdef inline (double, double, Py_ssize_t) learn_online_sparse(
    const floating *values, const index_t *indices, const index_t *indptr,
    const intp_t[::1] targets, const double[::1] sample_weight, const intp_t[::1] order,
    floating[:, ::1] coef, floating[::1] intercept, int activation, double learning_rate,
    double alpha, double[:, ::1] coef_sum, double[::1] intercept_sum, int64_t[::1] steps,
    double *pairs,
) noexcept nogil:
    """:func:`learn_epoch` of the step or the sigmoid, one sample a step, averaged, on sparse rows."""
    cdef Py_ssize_t n_samples = order.shape[0], n_features = coef.shape[1]
    cdef double decay = 1.0 - learning_rate * alpha
    cdef double scale = 1.0, scale_sum = 0.0
    cdef Tally tally = Tally(0.0, 1.0, 0.0, 0)
    cdef Py_ssize_t b, i, j, p, size
    cdef double linear, log_argument, z, error, delta, step
    cdef int mistake
    cdef const floating *x
    cdef const index_t *columns
    for j in range(n_features):
        pairs[2 * j] = coef[0, j]
        pairs[2 * j + 1] = 0.0
    for b in range(n_samples):
        i = order[b]
        if b + 2 * PREFETCH_DISTANCE < n_samples:
            prefetch(&indptr[order[b + 2 * PREFETCH_DISTANCE]], 2 * sizeof(index_t))
        if b + PREFETCH_DISTANCE < n_samples:
            prefetch_sample(order[b + PREFETCH_DISTANCE], values, indices, indptr, n_features, targets, sample_weight)
        if b + WEIGHTS_PREFETCH_DISTANCE < n_samples:
            j = order[b + WEIGHTS_PREFETCH_DISTANCE]
            for p in range(indptr[j], indptr[j + 1]):
                prefetch(&pairs[2 * indices[p]], 2 * sizeof(double))
        size = find_row(i, values, indices, indptr, n_features, &x, &columns)
        # forward: z = scale · w · x + b
        z = scale * pair_dot(pairs, x, columns, size) + intercept[0]
        linear, log_argument, mistake = error_signal(&z, 1, targets[i], activation, &error)
        count(&tally, linear, log_argument, mistake, sample_weight[i], activation)

        scale *= decay
        if scale < 1e-6:  # fold as learn_epoch does
            fold_pairs(pairs, scale, scale_sum, coef, coef_sum, False)
            scale, scale_sum = 1.0, 0.0
        # learn: Δw = η · s · (t − f(z)) · x, in units of the scale
        delta = learning_rate * sample_weight[i] * error
        if delta != 0.0:  # zero: the perceptron rule, on a sample it got right
            step = delta * (1.0 / scale)
            if floating is double:
                for p in range(size):
                    add_to_pair(&pairs[2 * columns[p]], step, scale_sum * step, x[p])
            else:  # the weight rounded to float32, as in coef
                for p in range(size):
                    j = 2 * columns[p]
                    pairs[j] = <floating> (pairs[j] + step * x[p])
                    pairs[j + 1] += (scale_sum * step) * x[p]
            intercept[0] += delta
        scale_sum += scale
        intercept_sum[0] += intercept[0]
    steps[0] += n_samples
    fold_pairs(pairs, scale, scale_sum, coef, coef_sum, True)
    return tally.total_loss + log(tally.log_product), tally.weighted_mistakes, tally.mistakes


cdef inline double pair_dot(const double *pairs, const floating *x, const index_t *columns, Py_ssize_t size) noexcept nogil:
    """:func:`dot` of the weights in ``pairs`` and the sparse row ``x``, as :func:`dot` takes it."""
    cdef double s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0
    cdef Py_ssize_t p, fours = size - size % 4
    for p in range(0, fours, 4):
        s0 += <floating> pairs[2 * columns[p]] * x[p]
        s1 += <floating> pairs[2 * columns[p + 1]] * x[p + 1]
        s2 += <floating> pairs[2 * columns[p + 2]] * x[p + 2]
        s3 += <floating> pairs[2 * columns[p + 3]] * x[p + 3]
    for p in range(fours, size):
        s0 += <floating> pairs[2 * columns[p]] * x[p]
    return (s0 + s1) + (s2 + s3)


cdef void fold_pairs(
    double *pairs, double scale, double scale_sum, floating[:, ::1] coef, double[:, ::1] coef_sum, bint last,
) noexcept nogil:
    """:func:`fold_scale` of the weights and corrections in ``pairs``; when ``last``, into ``coef``."""
    cdef Py_ssize_t j
    cdef floating weight
    for j in range(coef.shape[1]):
        weight = <floating> pairs[2 * j]
        coef_sum[0, j] += scale_sum * weight - pairs[2 * j + 1]
        weight *= scale
        pairs[2 * j] = weight
        pairs[2 * j + 1] = 0.0
        if last:
            coef[0, j] = weight


def epoch(
    X, targets, sample_weight, order, coef, intercept, int activation, double learning_rate,
    double alpha, Py_ssize_t batch_size, bint average, coef_sum, intercept_sum, steps,
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

    The GIL is released for the whole pass.

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
    coef : ndarray of shape (n_neurons, n_features), X's dtype
        The weights, updated in place.
    intercept : ndarray of shape (n_neurons,), X's dtype
        The biases, updated in place.
    activation : int
        One of ``STEP``, ``WINNER_TAKES_ALL``, ``SIGMOID``, ``SOFTMAX``.
    learning_rate : float
        The step size η.
    alpha : float
        Strength of the L2 penalty.
    batch_size : int
        Samples per step (clipped to 1 .. len(order)).
    average : bool
        Whether to add the weights after every step to the sums below.
    coef_sum : ndarray of shape (n_neurons, n_features), dtype float64
        Running sum of the weights, updated in place with ``average``.
    intercept_sum : ndarray of shape (n_neurons,), dtype float64
        Running sum of the biases, updated in place with ``average``.
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
        if X.format != "csr":
            raise TypeError(f"X must be dense or CSR, not {X.format.upper()}")
        indices, indptr = X.indices, X.indptr
        if indices.dtype != indptr.dtype:
            indices, indptr = indices.astype(np.int64), indptr.astype(np.int64)
        return _sparse_epoch(
            X.data, indices, indptr, X.shape[0], X.shape[1], targets, sample_weight, order,
            coef, intercept, activation, learning_rate, alpha, batch_size, average,
            coef_sum, intercept_sum, steps,
        )
    return _dense_epoch(
        np.ascontiguousarray(X), targets, sample_weight, order, coef, intercept, activation,
        learning_rate, alpha, batch_size, average, coef_sum, intercept_sum, steps,
    )


def _dense_epoch(
    const floating[:, ::1] X, const intp_t[::1] targets, const double[::1] sample_weight,
    const intp_t[::1] order, floating[:, ::1] coef, floating[::1] intercept, int activation,
    double learning_rate, double alpha, Py_ssize_t batch_size, bint average,
    double[:, ::1] coef_sum, double[::1] intercept_sum, int64_t[::1] steps,
):
    """:func:`epoch` for a dense X."""
    batch_size = _check_epoch(
        activation, X.shape[0], X.shape[1], targets, sample_weight, order, coef.shape[0], coef.shape[1],
        intercept.shape[0], batch_size, average, coef_sum, intercept_sum, steps,
    )
    cdef double[::1] z = np.empty(coef.shape[0])
    cdef double[:, ::1] errors = np.empty((batch_size, coef.shape[0]))
    cdef double[:, ::1] correction = np.zeros((coef.shape[0], coef.shape[1] if average else 0))
    cdef (double, double, Py_ssize_t) sums
    with nogil:
        sums = run_epoch(
            &X[0, 0], <const int32_t *> NULL, <const int32_t *> NULL, X.shape[1],
            targets, sample_weight, order, coef, intercept, activation, learning_rate, alpha,
            batch_size, average, coef_sum, intercept_sum, steps, z, errors, correction,
        )
    return sums


def _sparse_epoch(
    const floating[::1] data, const index_t[::1] indices, const index_t[::1] indptr,
    Py_ssize_t n_rows, Py_ssize_t n_features,
    const intp_t[::1] targets, const double[::1] sample_weight, const intp_t[::1] order,
    floating[:, ::1] coef, floating[::1] intercept, int activation, double learning_rate,
    double alpha, Py_ssize_t batch_size, bint average, double[:, ::1] coef_sum,
    double[::1] intercept_sum, int64_t[::1] steps,
):
    """:func:`epoch` for a CSR X, given by its arrays and shape."""
    if indptr.shape[0] != n_rows + 1 or indices.shape[0] < indptr[n_rows] or data.shape[0] < indptr[n_rows]:
        raise ValueError("X is not a valid CSR matrix: its indptr does not match its shape or its data")
    batch_size = _check_epoch(
        activation, n_rows, n_features, targets, sample_weight, order, coef.shape[0], coef.shape[1],
        intercept.shape[0], batch_size, average, coef_sum, intercept_sum, steps,
    )
    cdef double[::1] z = np.empty(coef.shape[0])
    cdef double[:, ::1] errors = np.empty((batch_size, coef.shape[0]))
    # averaged, a correction per weight; with learn_online_sparse, the pairs
    cdef Py_ssize_t correction_width = 0
    if average:
        correction_width = (2 if learns_in_pairs(&indptr[0], activation, batch_size, average) else 1) * coef.shape[1]
    cdef double[:, ::1] correction = np.zeros((coef.shape[0], correction_width))
    cdef (double, double, Py_ssize_t) sums
    with nogil:
        sums = run_epoch(
            &data[0], &indices[0], &indptr[0], n_features,
            targets, sample_weight, order, coef, intercept, activation, learning_rate, alpha,
            batch_size, average, coef_sum, intercept_sum, steps, z, errors, correction,
        )
    return sums


cdef Py_ssize_t _check_epoch(
    int activation, Py_ssize_t n_rows, Py_ssize_t n_features, const intp_t[::1] targets,
    const double[::1] sample_weight, const intp_t[::1] order, Py_ssize_t n_neurons,
    Py_ssize_t coef_features, Py_ssize_t n_intercepts, Py_ssize_t batch_size, bint average,
    double[:, ::1] coef_sum, double[::1] intercept_sum, int64_t[::1] steps,
) except -1:
    """Check the shapes (the loops do not check their indices); return the batch size clipped to 1 .. len(order)."""
    _check_activation(activation, n_neurons)
    if coef_features != n_features or n_intercepts != n_neurons:
        raise ValueError(
            f"coef of shape ({n_neurons}, {coef_features}) and intercept of length {n_intercepts} "
            f"do not fit X with {n_features} features"
        )
    if targets.shape[0] != n_rows or sample_weight.shape[0] != n_rows:
        raise ValueError("targets and sample_weight must have one value per row of X")
    if average and (
        coef_sum.shape[0] != n_neurons or coef_sum.shape[1] != n_features
        or intercept_sum.shape[0] != n_neurons or steps.shape[0] < 1
    ):
        raise ValueError("coef_sum, intercept_sum and steps must have the shapes of coef, intercept and (1,)")
    if not _within(order, n_rows):
        raise IndexError(f"order must hold row numbers from 0 to {n_rows - 1}")
    # (a single neuron only asks whether the target is 1)
    if n_neurons > 1 and not _within(targets, n_neurons):
        raise IndexError("targets must hold class indices below the number of neurons")
    return max(1, min(batch_size, order.shape[0]))


cdef int _check_activation(int activation, Py_ssize_t n_neurons) except -1:
    """The step and the sigmoid have one neuron; winner-takes-all and softmax one per class."""
    if activation not in (STEP, WINNER_TAKES_ALL, SIGMOID, SOFTMAX):
        raise ValueError(f"unknown activation {activation}")
    if (n_neurons == 1) != (activation == STEP or activation == SIGMOID):
        raise ValueError(f"activation {activation} does not work with {n_neurons} neurons")
    return 0


cdef bint _within(const intp_t[::1] numbers, Py_ssize_t bound) noexcept nogil:
    """Whether every one of ``numbers`` is in 0 .. bound − 1 (true of none)."""
    # As unsigned numbers, n and (bound − 1) − n are both below 2**63 only for
    # n in range: one OR gathers the top bits of all (no branch: the loop runs
    # at memory speed).
    cdef size_t top_bits = 0, last = <size_t> (bound - 1)
    cdef Py_ssize_t i
    for i in range(numbers.shape[0]):
        top_bits |= <size_t> numbers[i] | (last - <size_t> numbers[i])
    return top_bits >> (8 * sizeof(size_t) - 1) == 0


# Passes over X outside the epochs ----------------------------------------------

def row_squared_norms(
    const floating[::1] values, const index_t[::1] indptr, double[::1] out
):
    """``out[i] = ‖x‖²`` of each row ``x = values[indptr[i]:indptr[i + 1]]``: one pass.

    The rows of a CSR matrix (its data and indptr), or of dense X raveled
    (``indptr = 0, d, 2d, …``); summed in float64 whatever X's dtype. A NaN
    or an infinity in a row makes its ``‖x‖²`` NaN or infinite: a sum of
    squares never cancels them.
    """
    cdef Py_ssize_t i, p, start, end
    cdef double s0, s1, s2, s3
    if out.shape[0] != indptr.shape[0] - 1:
        raise ValueError(f"out holds {out.shape[0]} rows, indptr {indptr.shape[0] - 1}: they must be as many")
    with nogil:
        for i in range(out.shape[0]):
            start, end = indptr[i], indptr[i + 1]
            s0 = s1 = s2 = s3 = 0.0  # four running sums, as dot takes a sparse row
            for p in range(start, end - (end - start) % 4, 4):
                s0 += <double> values[p] * values[p]
                s1 += <double> values[p + 1] * values[p + 1]
                s2 += <double> values[p + 2] * values[p + 2]
                s3 += <double> values[p + 3] * values[p + 3]
            for p in range(end - (end - start) % 4, end):
                s0 += <double> values[p] * values[p]
            out[i] = (s0 + s1) + (s2 + s3)


def interleave_blocks(
    const intp_t[::1] order, const intp_t[::1] starts, Py_ssize_t rows_per_block,
    Py_ssize_t group, intp_t[::1] visited,
):
    """Write into ``visited`` the blocks of ``order`` at ``starts``, ``group`` at a time, a row of each in turn.

    A block is the stretch of ``rows_per_block`` entries of ``order`` from
    its start (the last one may be shorter). The blocks three groups ahead
    are asked for: from anywhere in ``order``, each would otherwise be
    waited for (225,000 rows took 0.75 to 0.85 ms without, 0.3 ms with;
    two groups ahead, 0.35 ms, six 0.3).
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

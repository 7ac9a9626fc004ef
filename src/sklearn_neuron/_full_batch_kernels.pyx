# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""The full batch's per-iteration arithmetic, compiled: one call where numpy needs dozens.

On small data an iteration of the full-batch solvers (see _full_batch.py) is
a few microseconds of arithmetic, and numpy pays a microsecond or two of
overhead per call. These functions do in one pass over the n × K net inputs
what the solver needs from them:

* :func:`log_loss_along`: the point ``Z + t U`` on the line search's line,
  its weighted log-loss, the errors ``E = s (T − P)`` of the sigmoid or
  softmax rule, and the loss's slope and curvature along ``U``;
* :func:`perceptron_errors`: the perceptron criterion, the mistakes and the
  errors ``E = s (T − f(Z))`` of the step or winner-takes-all;
* :func:`lbfgs_direction`: L-BFGS's two-loop recursion over the stored pairs.

Everything is float64 and in a fixed order, so results are reproducible.
"""

from libc.math cimport exp, log, log1p, fabs, INFINITY

ctypedef Py_ssize_t intp_t


def log_loss_along(
    const double[:, ::1] Z,
    const double[:, ::1] U,
    double t,
    const intp_t[::1] targets,
    const double[::1] sample_weight,
    double[:, ::1] Zt,
    double[:, ::1] P,
    double[:, ::1] E,
):
    """At ``Zt = Z + t U``: the weighted loss, ``Σ E·U``, ``Σ s Uᵀ H U`` and the mistakes.

    Writes ``Zt``, the probabilities ``P`` and the errors ``E``. With one
    column the neuron is a sigmoid for classes 0 and 1; with K columns,
    softmax. ``H`` is the loss's Hessian in the net input: ``p (1 − p)``, or
    ``diag(p) − p pᵀ``. The slope of the loss sum along U is ``−Σ E·U``. A
    sample of weight 0 is no mistake; ``z = 0`` or a tie is one.
    """
    cdef Py_ssize_t n = Z.shape[0], K = Z.shape[1], i, k
    cdef double loss = 0.0, slope = 0.0, curvature = 0.0
    cdef double z, margin, e, p, s, top, total, pu, puu, rival
    cdef Py_ssize_t mistakes = 0
    cdef intp_t target
    with nogil:
        for i in range(n):
            s = sample_weight[i]
            target = targets[i]
            if K == 1:
                z = Z[i, 0] + t * U[i, 0]
                Zt[i, 0] = z
                margin = z if target == 1 else -z
                # one exponential for both, without overflow: e = exp(−|z|),
                # log(1 + exp(−margin)) = log(1 + e) + max(−margin, 0)
                e = exp(-fabs(z))
                loss += s * (log1p(e) + (-margin if margin < 0 else 0.0))
                p = 1.0 / (1.0 + e) if z >= 0 else e / (1.0 + e)
                P[i, 0] = p
                E[i, 0] = s * ((1.0 if target == 1 else 0.0) - p)
                slope += E[i, 0] * U[i, 0]
                curvature += s * p * (1.0 - p) * U[i, 0] * U[i, 0]
                mistakes += s > 0 and margin <= 0
                continue
            top = -INFINITY
            for k in range(K):
                z = Z[i, k] + t * U[i, k]
                Zt[i, k] = z
                if z > top:
                    top = z
            total = 0.0
            for k in range(K):
                P[i, k] = exp(Zt[i, k] - top)
                total += P[i, k]
            loss += s * (log(total) + top - Zt[i, target])
            pu = 0.0
            puu = 0.0
            rival = -INFINITY
            for k in range(K):
                P[i, k] /= total
                E[i, k] = -s * P[i, k]
                pu += P[i, k] * U[i, k]
                puu += P[i, k] * U[i, k] * U[i, k]
                if k != target and Zt[i, k] > rival:
                    rival = Zt[i, k]
            E[i, target] += s
            for k in range(K):
                slope += E[i, k] * U[i, k]
            curvature += s * (puu - pu * pu)
            mistakes += s > 0 and Zt[i, target] <= rival
    return loss, slope, curvature, mistakes


def curvature_along(
    const double[:, ::1] P, const double[:, ::1] U, const double[::1] sample_weight
):
    """``Σ s Uᵀ H U`` at the probabilities P that :func:`log_loss_along` left: no exponential."""
    cdef Py_ssize_t n = P.shape[0], K = P.shape[1], i, k
    cdef double curvature = 0.0, pu, puu
    with nogil:
        for i in range(n):
            if K == 1:
                curvature += sample_weight[i] * P[i, 0] * (1.0 - P[i, 0]) * U[i, 0] * U[i, 0]
                continue
            pu = 0.0
            puu = 0.0
            for k in range(K):
                pu += P[i, k] * U[i, k]
                puu += P[i, k] * U[i, k] * U[i, k]
            curvature += sample_weight[i] * (puu - pu * pu)
    return curvature


def perceptron_errors(
    const double[:, ::1] Z,
    const intp_t[::1] targets,
    const double[::1] sample_weight,
    double[:, ::1] E,
):
    """The weighted criterion, weighted mistakes and mistakes at ``Z``; writes ``E``.

    The criterion is ``Σ s max(0, −margin)``, the margin ``z`` on the
    target's side (one neuron) or the target's net input less its strongest
    rival's. A tie among rivals shares the push ``s`` equally: the mean of
    their subgradients is a subgradient of the max, and from w = 0 it makes
    the first step the centroid classifier rather than a push against class 0.
    """
    cdef Py_ssize_t n = Z.shape[0], K = Z.shape[1], i, k, n_tied
    cdef double criterion = 0.0, weighted_mistakes = 0.0
    cdef double margin, s, rival, share
    cdef Py_ssize_t mistakes = 0
    cdef intp_t target
    with nogil:
        for i in range(n):
            s = sample_weight[i]
            target = targets[i]
            if K == 1:
                margin = Z[i, 0] if target == 1 else -Z[i, 0]
                E[i, 0] = 0.0
                if margin <= 0:
                    E[i, 0] = s if target == 1 else -s
                    criterion -= s * margin
                    weighted_mistakes += s
                    mistakes += s > 0
                continue
            rival = -INFINITY
            for k in range(K):
                E[i, k] = 0.0
                if k != target and Z[i, k] > rival:
                    rival = Z[i, k]
            margin = Z[i, target] - rival
            if margin > 0:
                continue
            criterion -= s * margin
            weighted_mistakes += s
            mistakes += s > 0
            n_tied = 0
            for k in range(K):
                n_tied += k != target and Z[i, k] == rival
            share = s / n_tied
            for k in range(K):
                if k != target and Z[i, k] == rival:
                    E[i, k] = -share
            E[i, target] = s
    return criterion, weighted_mistakes, mistakes


def lbfgs_direction(
    const double[::1] gradient,
    const double[:, ::1] steps,
    const double[:, ::1] changes,
    Py_ssize_t n_pairs,
    Py_ssize_t newest,
    double[::1] coefficients,
    double[::1] direction,
):
    """``direction = −H g`` by the two-loop recursion over the last ``n_pairs`` pairs.

    The pairs ``(s, y)`` (steps and gradient changes) are rows of ``steps``
    and ``changes``, a ring whose newest row is ``newest``; the first
    inverse Hessian is ``(s·y / y·y) I`` of the newest pair.
    """
    cdef Py_ssize_t m = steps.shape[0], size = gradient.shape[0], j, r, row
    cdef double a, b, sy, yy
    with nogil:
        for j in range(size):
            direction[j] = gradient[j]
        for r in range(n_pairs):  # newest to oldest
            row = (newest - r + m) % m
            a = 0.0
            sy = 0.0
            for j in range(size):
                a += steps[row, j] * direction[j]
                sy += steps[row, j] * changes[row, j]
            a /= sy
            coefficients[r] = a
            for j in range(size):
                direction[j] -= a * changes[row, j]
        if n_pairs > 0:
            sy = 0.0
            yy = 0.0
            for j in range(size):
                sy += steps[newest, j] * changes[newest, j]
                yy += changes[newest, j] * changes[newest, j]
            for j in range(size):
                direction[j] *= sy / yy
        for r in range(n_pairs - 1, -1, -1):  # oldest to newest
            row = (newest - r + m) % m
            b = 0.0
            sy = 0.0
            for j in range(size):
                b += changes[row, j] * direction[j]
                sy += steps[row, j] * changes[row, j]
            b = coefficients[r] - b / sy
            for j in range(size):
                direction[j] += b * steps[row, j]
        for j in range(size):
            direction[j] = -direction[j]


def preconditioned_gradient(
    const double[:, ::1] back,
    const double[::1] error_sums,
    const double[:, ::1] w,
    const double[::1] p,
    const double[::1] mean,
    double p_bias,
    double alpha,
    double total_weight,
    double[::1] gradient,
):
    """The objective's gradient in (u, beta) from ``Eᵀ X``; return its largest magnitude.

    With the push ``X̃ᵀE / S`` (the centring as a correction, ``Eᵀ X − (Σ E) m``)
    the gradient is ``alpha p w − p (Eᵀ X − (Σ E) m) / S`` for u and
    ``−p_bias Σ E / S`` for beta, laid out as u row by row, then beta.
    """
    cdef Py_ssize_t K = w.shape[0], d = w.shape[1], k, j
    cdef double g, largest = 0.0
    with nogil:
        for k in range(K):
            for j in range(d):
                g = alpha * p[j] * w[k, j] - p[j] * (back[k, j] - error_sums[k] * mean[j]) / total_weight
                gradient[k * d + j] = g
                largest = max(largest, fabs(g))
        for k in range(K):
            g = -p_bias * error_sums[k] / total_weight
            gradient[K * d + k] = g
            largest = max(largest, fabs(g))
    return largest

# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""The full batch's per-iteration arithmetic, compiled: one call where numpy needs dozens.

On small data an iteration of the full-batch solvers (see _full_batch.py) is
a few microseconds of arithmetic, and numpy pays a microsecond or two of
overhead per call. These functions do in one pass over the n × K net inputs
what the solver needs from them:

* :func:`log_loss_along`: the point ``Z + t U`` on the line search's line,
  its weighted log-loss and mistakes, the errors ``E = s (T − P)`` of the
  sigmoid or softmax rule, and the loss's slope and curvature along ``U``;
* :func:`perceptron_errors`: the perceptron criterion, the mistakes and the
  errors ``E = s (T − f(Z))`` of the step or winner-takes-all;
  :func:`summed_mistakes`: the mistakes of the iterates' mean;
  :func:`perceptron_step`: the step of the batch perceptron, in place;
* :func:`lbfgs_direction`: L-BFGS's two-loop recursion over the stored pairs;
  :func:`in_user_units`: its direction in the user's units;
  :func:`lbfgs_step`: the step along it, the new gradient and the new pair;
* :func:`tempered_moments`: the derivatives of the perceptron's temperature;
* :func:`csr_statistics`: the class sums and second moments of CSR rows.

Everything is float64 and in a fixed order, so results are reproducible.
"""

from cython cimport floating
from libc.math cimport exp, log, log1p, fabs, INFINITY
from libc.stdint cimport int32_t, int64_t

ctypedef Py_ssize_t intp_t

ctypedef fused index_t:  # a CSR matrix's indices and indptr
    int32_t
    int64_t


def csr_statistics(
    const floating[::1] values, const index_t[::1] indices, const index_t[::1] indptr,
    const intp_t[::1] targets, const double[::1] sample_weight, double[:, ::1] class_sums,
    double[::1] second, double[::1] by_column,
):
    """Add the CSR rows' weighted class sums and second moments to ``class_sums`` and ``second``.

    One pass over the stored values, no copy of them. A row whose columns
    do not increase may store a column twice, which scipy reads as the sum of
    the two: its values are first summed per column in ``by_column`` (zeros,
    one per feature, left as zeros).
    """
    cdef Py_ssize_t i, p, j, start, end
    cdef double s
    cdef bint increasing
    with nogil:
        for i in range(indptr.shape[0] - 1):
            s = sample_weight[i]
            start, end = indptr[i], indptr[i + 1]
            increasing = True
            for p in range(start + 1, end):
                increasing = increasing and indices[p] > indices[p - 1]
            for p in range(start, end):
                class_sums[targets[i], indices[p]] += s * values[p]
                if increasing:
                    second[indices[p]] += s * values[p] * values[p]
                else:
                    by_column[indices[p]] += values[p]
            if not increasing:
                for p in range(start, end):  # each column once: then it is zero
                    j = indices[p]
                    second[j] += s * by_column[j] * by_column[j]
                    by_column[j] = 0.0


def log_loss_along(
    const double[:, ::1] Z, const double[:, ::1] U, double t, const intp_t[::1] targets,
    const double[::1] sample_weight, double[:, ::1] Zt, double[:, ::1] P, double[:, ::1] E,
    double[::1] error_sums,
):
    """At ``Zt = Z + t U``: the weighted loss, ``Σ E·U``, ``Σ s Uᵀ H U`` and the mistakes.

    Writes ``Zt``, the probabilities ``P``, the errors ``E`` and their column sums. With one
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
        for k in range(K):
            error_sums[k] = 0.0
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
                error_sums[0] += E[i, 0]
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
                error_sums[k] += E[i, k]
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
    const double[:, ::1] Z, const intp_t[::1] targets, const double[::1] sample_weight,
    double[:, ::1] E, double[::1] error_sums,
):
    """The weighted criterion, weighted mistakes and mistakes at ``Z``; writes ``E`` and its column sums.

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
        for k in range(K):
            error_sums[k] = 0.0
        for i in range(n):
            s = sample_weight[i]
            target = targets[i]
            for k in range(K):
                E[i, k] = 0.0
            margin = _margin(Z, i, target, &rival)
            if margin > 0:
                continue
            criterion -= s * margin
            weighted_mistakes += s
            mistakes += s > 0
            if K == 1:
                E[i, 0] = s if target == 1 else -s
                error_sums[0] += E[i, 0]
                continue
            n_tied = 0
            for k in range(K):
                n_tied += k != target and Z[i, k] == rival
            share = s / n_tied
            for k in range(K):
                if k != target and Z[i, k] == rival:
                    E[i, k] = -share
                    error_sums[k] -= share
            E[i, target] = s
            error_sums[target] += s
    return criterion, weighted_mistakes, mistakes


def summed_mistakes(
    double[:, ::1] Z_sum, const double[:, ::1] Z, const intp_t[::1] targets,
    const double[::1] sample_weight,
):
    """``Z_sum += Z``; the weighted mistakes of ``Z_sum``.

    ``Z_sum`` is the running sum of the iterates' net inputs: it makes the
    same predictions as their mean, the net inputs of the mean weights.
    """
    cdef Py_ssize_t n = Z.shape[0], K = Z.shape[1], i, k
    cdef double weighted_mistakes = 0.0, rival
    with nogil:
        for i in range(n):
            for k in range(K):
                Z_sum[i, k] += Z[i, k]
            if _margin(Z_sum, i, targets[i], &rival) <= 0:
                weighted_mistakes += sample_weight[i]
    return weighted_mistakes


cdef inline double _margin(
    const double[:, ::1] Z, Py_ssize_t i, intp_t target, double* rival
) noexcept nogil:
    """The margin of sample i: ``z`` on its target's side, or its net input less the strongest rival's."""
    cdef Py_ssize_t k
    if Z.shape[1] == 1:
        return Z[i, 0] if target == 1 else -Z[i, 0]
    rival[0] = -INFINITY
    for k in range(Z.shape[1]):
        if k != target and Z[i, k] > rival[0]:
            rival[0] = Z[i, k]
    return Z[i, target] - rival[0]


def perceptron_step(
    problem, const double[:, ::1] back, const double[::1] error_sums, double criterion,
    double relaxation, double[:, ::1] u, double[::1] beta, double[:, ::1] w, double[::1] b,
    double[:, ::1] u_sum, double[::1] beta_sum, double[:, ::1] push,
):
    """One step of the batch perceptron in the preconditioned coordinates; return its size.

    ``u ← (u + η push_u) / (1 + η alpha p²)`` (the penalty as its proximal
    step) and ``beta ← beta + η push_beta``, with the push ``X̃ᵀE / S`` from
    ``Eᵀ X`` (``back``) and the sums of E, and Polyak's step over-relaxed,
    ``η = relaxation · (criterion / S) / ‖push‖²`` (1 where the criterion is
    0). Writes the new weights in the user's units, ``w = p u`` and
    ``b = p_bias beta − w·m``, and adds u and beta to their running sums.
    Returns η, or 0 (nothing moved) if the pushes cancel, to the rounding
    of their terms. ``problem`` gives the
    preconditioner (``p``, ``mean``, ``p_bias``), ``alpha`` and the weights'
    total ``S``.
    """
    cdef const double[::1] p = problem.p
    cdef const double[::1] mean = problem.mean
    cdef double p_bias = problem.p_bias, alpha = problem.alpha, total_weight = problem.total_weight
    cdef Py_ssize_t K = u.shape[0], d = u.shape[1], k, j
    cdef double squared_norm = 0.0, step, push_beta, shift, scale = 0.0
    with nogil:
        for k in range(K):
            for j in range(d):
                push[k, j] = p[j] * (back[k, j] - error_sums[k] * mean[j]) / total_weight
                squared_norm += push[k, j] * push[k, j]
                scale += (p[j] * (fabs(back[k, j]) + fabs(error_sums[k] * mean[j])) / total_weight) ** 2
            push_beta = p_bias * error_sums[k] / total_weight
            squared_norm += push_beta * push_beta
    # A push within the rounding of its terms is none: the pushes cancel
    # (samples on the boundary of both classes), and whether it comes out as
    # 0 or 1e-17 must not depend on how the samples were weighted.
    if squared_norm <= 1e-24 * scale:
        return 0.0
    with nogil:
        step = 1.0 if criterion == 0 else relaxation * (criterion / total_weight) / squared_norm
        for k in range(K):
            shift = 0.0
            for j in range(d):
                u[k, j] = (u[k, j] + step * push[k, j]) / (1.0 + step * alpha * p[j] * p[j])
                u_sum[k, j] += u[k, j]
                w[k, j] = p[j] * u[k, j]
                shift += w[k, j] * mean[j]
            beta[k] += step * p_bias * error_sums[k] / total_weight
            beta_sum[k] += beta[k]
            b[k] = difference(p_bias * beta[k], shift)
    return step


cpdef double difference(double a, double b) noexcept nogil:
    """``a − b``, or exactly 0 within the rounding of the two (100 units in their last place).

    The perceptron's bias comes out of such a difference: a sample exactly on
    the boundary must not fall on a side by the rounding of the centring,
    which differs between weighted rows and the same rows repeated.
    """
    return 0.0 if fabs(a - b) <= 1e-14 * (fabs(a) + fabs(b)) else a - b


def lbfgs_direction(
    const double[::1] gradient, const double[:, ::1] steps, const double[:, ::1] changes,
    const double[::1] sy, double scale, Py_ssize_t n_pairs, Py_ssize_t newest,
    double[::1] coefficients, double[::1] direction,
):
    """``direction = −H g`` by the two-loop recursion over the last ``n_pairs`` pairs; return ``g·direction``.

    The pairs ``(s, y)`` (steps and gradient changes) are rows of ``steps``
    and ``changes``, a ring whose newest row is ``newest``, with each row's
    ``s·y`` in ``sy``; the first inverse Hessian is ``scale · I``, ``scale``
    the newest pair's ``s·y / y·y``.
    """
    cdef Py_ssize_t m = steps.shape[0], size = gradient.shape[0], j, r, row
    cdef double a, b, slope = 0.0
    with nogil:
        for j in range(size):
            direction[j] = gradient[j]
        for r in range(n_pairs):  # newest to oldest
            row = (newest - r + m) % m
            a = 0.0
            for j in range(size):
                a += steps[row, j] * direction[j]
            a /= sy[row]
            coefficients[r] = a
            for j in range(size):
                direction[j] -= a * changes[row, j]
        if n_pairs > 0:
            for j in range(size):
                direction[j] *= scale
        for r in range(n_pairs - 1, -1, -1):  # oldest to newest
            row = (newest - r + m) % m
            b = 0.0
            for j in range(size):
                b += changes[row, j] * direction[j]
            b = coefficients[r] - b / sy[row]
            for j in range(size):
                direction[j] += b * steps[row, j]
        for j in range(size):
            direction[j] = -direction[j]
            slope += gradient[j] * direction[j]
    return slope


cpdef double preconditioned_gradient(
    problem, const double[:, ::1] back, const double[::1] error_sums, const double[:, ::1] w,
    double[::1] gradient,
):
    """The objective's gradient in (u, beta) from ``Eᵀ X``; return its largest magnitude.

    With the push ``X̃ᵀE / S`` (the centring as a correction, ``Eᵀ X − (Σ E) m``)
    the gradient is ``alpha p w − p (Eᵀ X − (Σ E) m) / S`` for u and
    ``−p_bias Σ E / S`` for beta, laid out as u row by row, then beta.
    """
    cdef const double[::1] p = problem.p
    cdef const double[::1] mean = problem.mean
    cdef double p_bias = problem.p_bias, alpha = problem.alpha, total_weight = problem.total_weight
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


def in_user_units(
    problem, const double[::1] D, const double[:, ::1] w, double[:, ::1] Dw, double[::1] Db
):
    """The direction D in (u, beta) as (Dw, Db) in the user's units; return ``(w·w, w·Dw, Dw·Dw)``.

    ``Dw = p Du`` and ``Db = p_bias Dbeta − Dw·m``, as for the weights; the
    three products give the penalty ``alpha/2 ‖w + t Dw‖²`` along the line.
    """
    cdef const double[::1] p = problem.p
    cdef const double[::1] mean = problem.mean
    cdef double p_bias = problem.p_bias
    cdef Py_ssize_t K = w.shape[0], d = w.shape[1], k, j
    cdef double ww = 0.0, wD = 0.0, DD = 0.0, shift
    with nogil:
        for k in range(K):
            shift = 0.0
            for j in range(d):
                Dw[k, j] = p[j] * D[k * d + j]
                shift += Dw[k, j] * mean[j]
                ww += w[k, j] * w[k, j]
                wD += w[k, j] * Dw[k, j]
                DD += Dw[k, j] * Dw[k, j]
            Db[k] = p_bias * D[K * d + k] - shift
    return ww, wD, DD


def lbfgs_step(
    problem, double t, const double[::1] D, const double[:, ::1] Dw, const double[::1] Db,
    double[::1] x, double[:, ::1] w, double[::1] b, const double[:, ::1] back,
    const double[::1] error_sums, double[::1] gradient, double[::1] step, double[::1] change,
):
    """Move by t along D and take the gradient there; return its largest magnitude, s·y and y·y.

    ``x += t D`` in (u, beta) and ``(w, b) += t (Dw, Db)`` in the user's
    units; ``back`` and ``error_sums`` are ``Eᵀ X`` and ``Σ E`` at the new
    point. The gradient is replaced by the new one (as
    :func:`preconditioned_gradient`), and L-BFGS's pair is written: the
    step ``s`` (the change of x) and the gradient's change ``y``.
    """
    cdef Py_ssize_t K = w.shape[0], d = w.shape[1], k, j, i
    cdef double g, moved, largest, sy = 0.0, yy = 0.0
    with nogil:
        for k in range(K):
            b[k] = b[k] + t * Db[k]
            for j in range(d):
                w[k, j] = w[k, j] + t * Dw[k, j]
        for i in range(K * d + K):
            moved = x[i] + t * D[i]
            step[i] = moved - x[i]
            x[i] = moved
    # the new gradient, in ``change`` until the old one is subtracted
    largest = preconditioned_gradient(problem, back, error_sums, w, change)
    with nogil:
        for i in range(K * d + K):
            g = change[i]
            change[i] = g - gradient[i]
            gradient[i] = g
            sy += step[i] * change[i]
            yy += change[i] * change[i]
    return largest, sy, yy


def tempered_moments(const double[:, ::1] z, const double[::1] weight, double a):
    """The weighted means of ``E_p[z]`` and ``Var_p[z]`` for ``p = softmax(a z)``.

    The derivatives of the log-loss of ``softmax(a z)`` in ``a``, for the
    perceptron's temperature (_calibration.py). With one column, ``p`` is
    the sigmoid of ``a z`` against 0 for class 0: ``E_p[z] = p z``,
    ``Var_p[z] = p (1 − p) z²``.
    """
    cdef Py_ssize_t n = z.shape[0], K = z.shape[1], i, k
    cdef double mean = 0.0, variance = 0.0, e, p, positive, top, total, pz, pzz
    with nogil:
        for i in range(n):
            if K == 1:
                e = exp(-a * fabs(z[i, 0]))  # without overflow, as in log_loss_along
                # 1 / (1 + e) where z >= 0, else e / (1 + e), without a branch
                # (z of either sign mispredicted it half of the time: a third
                # of the pass); one of the two terms is exactly zero
                positive = z[i, 0] >= 0
                p = (positive + (1.0 - positive) * e) / (1.0 + e)
                mean += weight[i] * p * z[i, 0]
                variance += weight[i] * p * (1.0 - p) * z[i, 0] * z[i, 0]
                continue
            top = -INFINITY
            for k in range(K):
                top = max(top, a * z[i, k])
            total = 0.0
            pz = 0.0
            pzz = 0.0
            for k in range(K):
                e = exp(a * z[i, k] - top)
                total += e
                pz += e * z[i, k]
                pzz += e * z[i, k] * z[i, k]
            pz /= total
            mean += weight[i] * pz
            variance += weight[i] * (pzz / total - pz * pz)
    return mean, variance

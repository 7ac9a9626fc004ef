"""Full-batch training: the documented objective, minimised whatever the feature scale.

A plain gradient step 1/L depends on the scale of the features: without a
StandardScaler it needs thousands of steps and stops far from the optimum.
This module trains on the same objective in coordinates where every
feature has unit curvature, with a solver that needs no step size.

The documented objective is unchanged::

    F(w, b) = sum_i s_i l(t_i, w.x_i + b) / sum_i s_i + alpha/2 ||w||^2

and every iteration is built from the error signals of the learning rule,
``E = s * (T - f(Z))`` and ``E^T X``: two products with X per iteration,
everything else is O(n_samples * n_neurons) or O(n_features * n_neurons).
Those passes are compiled (_full_batch_kernels.pyx): on small data numpy's
overhead per call would outweigh them.

Preconditioning (no copy of X)
------------------------------
One pass over X gives the weighted class sums C (Kc x d) and the weighted
second moments; from them the means m_j and variances v_j.  We train in the
coordinates (u, beta) defined by

    w = p * u                 (p_j = 1 / sqrt(c v_j + alpha), per feature)
    b = pb * beta - w . m     (the centring folded into the bias)

which is the same model on standardised inputs x~ = (x - m) * p.  It is an
exact change of variables: F(w(u, beta), b(u, beta)) is the SAME function,
its minimiser maps to the same (coef_, intercept_) in the user's units, and
the penalty stays alpha/2 ||p * u||^2 (on the user's w).  Only the geometry
the optimiser sees changes: the Jacobi preconditioner of the Hessian at
w = 0 (c = 1/4 sigmoid, 1/2 softmax, 1 for the perceptron; alpha keeps p
finite and the penalty's curvature alpha p_j^2 <= 1 in u).

The two products, in u-coordinates, are

    X~ D      = X (p*D_u)^T + (pb*D_beta - (p*D_u).m)        (net inputs)
    X~^T E    = p * (E^T X - (sum E) m)                        (gradients)

Sigmoid / softmax rule
----------------------
Start: w = 0 and the best bias for w = 0 (log of the class weights), whose
loss and gradient come from the class sums without a pass over X.
Iteration: L-BFGS (two-loop recursion, memory 20) on the preconditioned
problem.  The line search costs no pass over X: with U = X~ D (the net
inputs of the direction, the first product) the net inputs along the line
are Z + t U, so phi(t) = F(u + t D), phi'(t) and phi''(t) are O(n K) sums.
The first trial is the 1-D Newton step t = -phi'(0) / phi''(0) (phi''(0)
from the probabilities the last evaluation left); it is accepted under the
Wolfe conditions (c1 = 1e-4, |phi'(t)| <= 0.9 |phi'(0)|), which it almost
always is (about 1.0 trials an iteration); otherwise safeguarded Newton /
bisection.  Then Z <- Z + t U, E at the new point is already known, and the
gradient X~^T E is the second product.
Stopping: sqrt(c) * max |grad F| in (u, beta) coordinates <= tol, i.e. the
largest gradient component with respect to the weights of standardised
features and to the bias (LogisticRegression's gtol on standardised data).
The iterates do not depend on tol and F decreases at every iteration, so a
smaller tol always stops later, at a lower objective.  It also stops (with
converged=False) when the line search finds no decrease (rounding floor,
e.g. float32 X with a tiny tol) or at max_iter.

Perceptron rule
---------------
The penalised perceptron criterion is 0 at w = 0 and positive elsewhere,
so its exact minimiser is w = 0 and a descent method on it degenerates; the
perceptron is the (sub)gradient method on it, whose scale is set by its
step.  Here: the batch perceptron in the preconditioned coordinates with
Polyak's step for the criterion's least value on separable data, 0,
over-relaxed by 1.5 (eta_k = 1.5 Perc(w_k) / ||g_k||^2, g_k the push
E^T X~ / S; eta_0 = 1 from w = 0, where Perc = 0), the penalty applied as
its proximal step (u <- (u + eta g) / (1 + eta alpha p^2)), ties among
rivals sharing the push, no momentum, and a pocket (the iterate with the
fewest weighted training mistakes among the iterates, their running
mean and the constant classifier of the heaviest class is returned; the
mean's net inputs are the running mean of Z, so this costs no pass over X).
Stops at no mistake, when
the pocket's weighted fraction of mistakes improved by at most tol over the
last n_iter_no_change iterations, or at max_iter.

Curves: after each iteration ``on_iteration`` receives the iterate's weights
in the user's units, its objective and its training mistakes (the
perceptron's: of the weights the iteration starts from); it may stop
training, which is how early stopping and ``verbose`` work.  X is never
copied: the statistics pass reads it in blocks of rows (views).
"""

import itertools
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from . import _full_batch_kernels

# The statistics pass squares dense X a stretch of about this many bytes at a
# time (see block_statistics), so that its temporaries stay small next to X.
_BLOCK_BYTES = 2**18
# The L-BFGS pairs: this many at most, and at most 64 MB of them.
_MEMORY = 20
_MEMORY_FLOATS = 2**23
# The perceptron's over-relaxed Polyak step (see the module docstring).
_RELAXATION = 1.5


@dataclass
class Result:
    """What a full-batch fit returns, in the user's units, and why it stopped.

    ``stopped_by``: ``"tol"`` (its stopping rule held, or no sample is a
    mistake), ``"max_iter"``, ``"rounding"`` (no step lowers the objective
    at this precision) or ``"caller"`` (``on_iteration`` asked).
    """

    coef: np.ndarray
    intercept: np.ndarray
    n_iter: int
    stopped_by: str


def block_statistics(X, targets, sample_weight, n_classes, shift):
    """A pass over a block of rows: its weighted class sums and second moments about ``shift``.

    The statistics of X are the sums of its blocks' (see :class:`Problem`).
    Sparse rows take one compiled pass (``shift`` is 0 for them). Dense rows
    are squared a stretch of at most ``_BLOCK_BYTES`` at a time, so that the
    temporaries stay small next to X.
    """
    class_sums, second = np.zeros((n_classes, X.shape[1])), np.zeros(X.shape[1])
    if sp.issparse(X):
        indices = X.indices.astype(X.indptr.dtype, copy=False)
        _full_batch_kernels.csr_statistics(
            X.data, indices, X.indptr, targets, sample_weight, class_sums, second,
            np.zeros(X.shape[1]),
        )  # fmt: skip
        return class_sums, second
    membership = np.zeros((X.shape[0], n_classes), dtype=X.dtype)
    membership[np.arange(X.shape[0]), targets] = sample_weight
    class_sums += membership.T @ X
    rows = max(1, _BLOCK_BYTES // (8 * max(X.shape[1], 1)))
    for start in range(0, X.shape[0], rows):
        centred = X[start : start + rows] - shift
        np.square(centred, out=centred)
        second += sample_weight[start : start + rows] @ centred
    return class_sums, second


def block_back(X, E):
    """A pass over a block of rows: ``Eᵀ X`` in float64 (products in X's precision).

    The gradient's product on all of X is the sum of its blocks'.
    """
    E = E.astype(X.dtype, copy=False)
    if sp.issparse(X):
        return np.ascontiguousarray(np.asarray(X.T @ E, dtype=np.float64).T)
    return np.asarray(E.T @ X, dtype=np.float64)


def in_blocks(n_rows, n_blocks):
    """``n_blocks`` consecutive slices of about equal size covering the rows."""
    bounds = np.linspace(0, n_rows, n_blocks + 1).astype(int)
    return [slice(start, stop) for start, stop in itertools.pairwise(bounds)]


class Problem:
    """X (never copied), the targets, the weights and the preconditioner.

    Every pass over X runs over its ``blocks`` of rows and adds their sums
    (:func:`block_statistics`, :func:`block_back`), so that blocks can run on
    other cores or machines; one block by default.
    """

    def __init__(self, X, targets, sample_weight, n_neurons, perceptron, alpha, n_blocks=1):
        self.X = X
        self.sparse = sp.issparse(X)
        self.n_samples, self.n_features = X.shape
        self.n_neurons = n_neurons
        self.n_classes = 2 if n_neurons == 1 else n_neurons
        self.targets = np.asarray(targets, dtype=np.intp)
        self.sample_weight = np.asarray(sample_weight, dtype=np.float64)
        self.total_weight = float(self.sample_weight.sum())
        self.alpha = float(alpha)
        self.blocks = in_blocks(self.n_samples, n_blocks)
        # the perceptron's, or the largest curvature of the log-loss at z = 0
        self._statistics(1.0 if perceptron else 0.25 if n_neurons == 1 else 0.5)

    def _statistics(self, curvature):
        """One pass over X: the weighted class sums and the variances."""
        X, s, d = self.X, self.sample_weight, self.n_features
        # moments about the first row, against cancellation for large offsets
        # (sparse: none, which would densify X)
        shift = np.zeros(d) if self.sparse else np.asarray(X[0], dtype=np.float64)
        class_sums, second = np.zeros((self.n_classes, d)), np.zeros(d)
        for block in self.blocks:
            sums = block_statistics(
                self.rows(block), self.targets[block], s[block], self.n_classes, shift
            )
            class_sums += sums[0]
            second += sums[1]
        self.class_sums = class_sums
        self.class_weights = np.bincount(self.targets, weights=s, minlength=self.n_classes)
        self.mean = class_sums.sum(axis=0) / self.total_weight
        variance = np.maximum(second / self.total_weight - (self.mean - shift) ** 2, 0.0)
        # the Jacobi preconditioner at w = 0; alpha keeps it finite
        scale = curvature * variance + self.alpha
        self.p = np.where(scale > 0, 1.0 / np.sqrt(np.where(scale > 0, scale, 1.0)), 1.0)
        # Features of tiny spread (denormal float32, alpha = 0) would need
        # weights beyond X's dtype: the square root of its range is plenty.
        np.minimum(self.p, np.sqrt(np.finfo(X.dtype).max), out=self.p)
        self.p_bias = 1.0 / np.sqrt(curvature)

    def to_user(self, u, beta):
        """Preconditioned (u, beta) to the user's (w, b)."""
        w = u * self.p
        return w, self.p_bias * beta - w @ self.mean

    def to_preconditioned(self, w, b):
        """The user's (w, b) to preconditioned (u, beta)."""
        return w / self.p, (b + w @ self.mean) / self.p_bias

    def net_inputs(self, w, b):
        """Z = X wᵀ + b, float64 and C-ordered: the first product."""
        Z = np.asarray(self.X @ w.T.astype(self.X.dtype, copy=False), dtype=np.float64, order="C")
        Z += b
        return Z

    def back(self, E):
        """Eᵀ X, float64: the second product, the sum of the blocks'."""
        if len(self.blocks) == 1:  # all of X: no slices, no sum (once an iteration)
            return block_back(self.X, E)
        return sum(block_back(self.rows(block), E[block]) for block in self.blocks)

    def rows(self, block):
        """The rows of X in ``block``: X itself for all of them (slicing CSR copies it)."""
        return self.X if block == slice(0, self.n_samples) else self.X[block]

    def at_zero_weights(self, b, errors):
        """Eᵀ X and the sums of E at w = 0, from the class sums: no pass over X.

        With w = 0 every sample of a class has the same net input b:
        ``errors(Z, sample_weight, targets)`` gives the errors of one sample
        of each class, of weight 1.
        """
        classes = np.arange(self.n_classes)
        errors_per_class = errors(np.tile(b, (self.n_classes, 1)), np.ones(self.n_classes), classes)
        return errors_per_class.T @ self.class_sums, errors_per_class.T @ self.class_weights


# -- the sigmoid / softmax rule ------------------------------------------------


@dataclass
class OnTheLine:
    """The log-loss at the net inputs ``Z + tU`` and what the solver takes from there.

    ``errors`` are ``E = s (T − P)`` and ``error_sums`` their column sums;
    ``slope`` is ``Σ E·U`` (the loss sum's derivative along U is its
    negative) and ``curvature`` ``Σ s Uᵀ H U``, both 0 without U.
    """

    loss: float
    errors: np.ndarray
    Z: np.ndarray
    slope: float
    curvature: float
    mistakes: int
    error_sums: np.ndarray
    P: np.ndarray  # the probabilities


def log_loss(problem, Z, U=None, t=0.0, sample_weight=None, targets=None):
    """The weighted log-loss sum at ``Z + tU``, and more (:class:`OnTheLine`).

    One compiled pass (_full_batch_kernels.log_loss_along); O(nK).
    """
    s = problem.sample_weight if sample_weight is None else sample_weight
    targets = problem.targets if targets is None else targets
    Zt, P, E = np.empty_like(Z), np.empty_like(Z), np.empty_like(Z)
    error_sums = np.empty(Z.shape[1])
    loss, slope, curvature, mistakes = _full_batch_kernels.log_loss_along(
        Z, np.zeros_like(Z) if U is None else U, t, targets, s, Zt, P, E, error_sums
    )
    return OnTheLine(loss, E, Zt, slope, curvature, mistakes, error_sums, P)


class Memory:
    """L-BFGS's last pairs (step, gradient change), in a ring of preallocated rows."""

    def __init__(self, size, n_pairs):
        self.steps, self.changes = np.empty((n_pairs, size)), np.empty((n_pairs, size))
        self.sy, self.scale = np.empty(n_pairs), 1.0  # each row's s·y; the newest pair's s·y / y·y
        self.coefficients, self.count, self.newest = np.empty(n_pairs), 0, -1

    def free_row(self):
        """The row the next pair is written to (the oldest pair's, once the ring is full)."""
        return (self.newest + 1) % len(self.steps)

    def commit(self, scale):
        """Keep the pair written to :meth:`free_row`; ``scale`` is its s·y / y·y."""
        self.newest, self.scale = self.free_row(), scale
        self.count = min(self.count + 1, len(self.steps))

    def reject(self):
        """Forget what was written to :meth:`free_row`: once the ring is full, its oldest pair."""
        self.count = min(self.count, len(self.steps) - 1)

    def clear(self):
        self.count, self.newest = 0, -1

    def direction(self, gradient):
        """−H g by the two-loop recursion over the pairs, and its slope g·(−H g)."""
        direction = np.empty_like(gradient)
        slope = _full_batch_kernels.lbfgs_direction(
            gradient, self.steps, self.changes, self.sy, self.scale, self.count,
            max(self.newest, 0), self.coefficients, direction,
        )  # fmt: skip
        return direction, slope


def line_search(problem, Z, P, U, objective, slope, penalty_terms):
    """A Wolfe step along the net inputs Z + tU, by safeguarded 1-D Newton: no pass over X.

    ``penalty_terms`` are (w.w, w.D, D.D) in the user's units: the penalty
    along the line is a quadratic in t. P are the probabilities at Z, whose
    curvature along U starts a Newton step. Returns ``(t, point, objective)`` of
    the accepted step (``point`` an :class:`OnTheLine`), or None.
    """
    total, alpha = problem.total_weight, problem.alpha
    ww, wD, DD = penalty_terms

    def line(t):  # the penalty along the line, and its first two derivatives
        return 0.5 * alpha * (ww + 2 * t * wD + t * t * DD), alpha * (wD + t * DD), alpha * DD

    lo, hi = 0.0, np.inf
    curvature = _full_batch_kernels.curvature_along(P, U, problem.sample_weight)
    curvature = curvature / total + line(0.0)[2]
    t = -slope / curvature if curvature > 0 else 1.0
    accepted = None
    for _ in range(20):
        point = log_loss(problem, Z, U, t)
        penalty, penalty_slope, penalty_curvature = line(t)
        value = point.loss / total + penalty
        derivative = -point.slope / total + penalty_slope
        sufficient = value <= objective + 1e-4 * t * slope
        if sufficient:
            accepted = (t, point, value)
            if abs(derivative) <= 0.9 * abs(slope):
                break
        if sufficient and derivative < 0:
            lo = t
        else:
            hi = t
        curvature = point.curvature / total + penalty_curvature
        t_new = t - derivative / curvature if curvature > 0 else np.nan
        if not (np.isfinite(t_new) and lo < t_new < hi):
            t_new = 0.5 * (lo + hi) if np.isfinite(hi) else 2.0 * t
        if abs(t_new - t) <= 1e-12 * max(t, 1e-300):
            break
        t = t_new
    return accepted


def fit_log_loss(problem, settings, w, b, on_iteration):
    """L-BFGS on the preconditioned log-loss; stop at a gradient component ≤ tol.

    Without ``tol`` (None), it runs ``max_iter`` iterations or to the
    rounding floor, where no step lowers the objective.
    """
    K, d, total, alpha = problem.n_neurons, problem.n_features, problem.total_weight, problem.alpha
    memory = int(max(3, min(_MEMORY, _MEMORY_FLOATS // (2 * (K * d + K)))))
    tol, max_iter = settings.tol, settings.max_iter
    if not np.any(w):
        if not np.any(b):  # the best bias at w = 0, in closed form
            logs = np.log(np.maximum(problem.class_weights, 1e-300))
            b = np.array([logs[1] - logs[0]]) if K == 1 else logs - logs.mean()
        back, error_sums = problem.at_zero_weights(
            b, lambda Z, s, targets: log_loss(problem, Z, sample_weight=s, targets=targets).errors
        )
        Z = np.tile(b, (problem.n_samples, 1))
        point = log_loss(problem, Z)
    else:
        Z = problem.net_inputs(w, b)
        point = log_loss(problem, Z)
        error_sums, back = point.error_sums, problem.back(point.errors)
    loss, P = point.loss, point.P

    u, beta = problem.to_preconditioned(w, b)
    x = np.concatenate([u.ravel(), beta])
    # The largest gradient component for standardised features and the bias,
    # LogisticRegression's gtol on standardised data, is the stopping test.
    gradient = np.empty_like(x)
    largest = _full_batch_kernels.preconditioned_gradient(problem, back, error_sums, w, gradient)
    objective = loss / total + 0.5 * alpha * float(np.sum(w * w))
    pairs = Memory(len(x), memory)
    Dw, Db = np.empty_like(w), np.empty_like(b)  # the direction in the user's units
    n_iter = 0
    stopped_by = "tol" if tol is not None and largest / problem.p_bias <= tol else None
    while stopped_by is None and n_iter < max_iter:
        D, slope = pairs.direction(gradient)
        if slope >= 0:  # not a descent direction: start the memory afresh
            pairs.clear()
            D, slope = -gradient, -float(gradient @ gradient)
        penalty_terms = _full_batch_kernels.in_user_units(problem, D, w, Dw, Db)
        U = problem.net_inputs(Dw, Db)  # the first product
        accepted = line_search(problem, Z, P, U, objective, slope, penalty_terms)
        if accepted is None:  # no decrease at this precision
            stopped_by = "rounding"
            break
        t, point, new_objective = accepted
        Z, P, error_sums = point.Z, point.P, point.error_sums
        back = problem.back(point.errors)  # the second product
        # x, w and b move by t; the gradient is the new one, and the pair is written
        row = pairs.free_row()
        largest, sy, yy = _full_batch_kernels.lbfgs_step(
            problem, t, D, Dw, Db, x, w, b, back, error_sums, gradient,
            pairs.steps[row], pairs.changes[row],
        )  # fmt: skip
        pairs.sy[row] = sy  # of the row written, kept or not
        if sy > 1e-16 * yy:  # keeps H positive definite
            pairs.commit(sy / yy)
        else:
            pairs.reject()
        decrease = objective - new_objective
        objective = new_objective
        n_iter += 1
        stop = on_iteration(w, b, objective, point.mistakes)
        if tol is not None and largest / problem.p_bias <= tol:
            stopped_by = "tol"
        elif stop:
            stopped_by = "caller"
        elif decrease <= 0:
            stopped_by = "rounding"
    stopped_by = stopped_by or "max_iter"
    w, b = problem.to_user(x[: K * d].reshape(K, d), x[K * d :])
    return Result(w, b, n_iter, stopped_by)


# -- the perceptron rule ------------------------------------------------------


def perceptron_errors(problem, Z, sample_weight=None, targets=None):
    """The weighted criterion, weighted mistakes, mistakes, errors E = s (T − f(Z)) and their sums.

    A tie among rivals shares the push equally (see
    _full_batch_kernels.perceptron_errors). One compiled pass; O(nK).
    """
    s = problem.sample_weight if sample_weight is None else sample_weight
    targets = problem.targets if targets is None else targets
    E, error_sums = np.empty_like(Z), np.empty(Z.shape[1])
    criterion, weighted_mistakes, mistakes = _full_batch_kernels.perceptron_errors(
        Z, targets, s, E, error_sums
    )
    return criterion, weighted_mistakes, mistakes, E, error_sums


def fit_perceptron(problem, settings, w, b, on_iteration):
    """The preconditioned batch perceptron, Polyak's step, proximal penalty and a pocket."""
    total, alpha = problem.total_weight, problem.alpha
    tol, max_iter, n_iter_no_change = settings.tol, settings.max_iter, settings.n_iter_no_change
    at_zero = not np.any(w)
    Z = np.tile(b, (problem.n_samples, 1)) if at_zero else problem.net_inputs(w, b)
    criterion, weighted_mistakes, mistakes, E, error_sums = perceptron_errors(problem, Z)
    back = None  # Eᵀ X, the second product: taken when needed, at w = 0 from the class sums
    if at_zero:
        back, error_sums = problem.at_zero_weights(
            b, lambda Z, s, targets: perceptron_errors(problem, Z, s, targets)[3]
        )
    u, beta = problem.to_preconditioned(w, b)
    # The pocket: the fewest weighted mistakes among the iterates and their
    # running mean, whose net inputs are the running mean of Z (no pass).
    pocket = (weighted_mistakes, u.copy(), beta.copy())
    # The constant classifier of the heaviest class is a candidate too: it
    # costs nothing, and with very unequal class weights no hyperplane of
    # the iterates may make fewer weighted mistakes.
    heaviest = int(np.argmax(problem.class_weights))
    constant_mistakes = total - float(problem.class_weights[heaviest])
    if constant_mistakes < pocket[0]:
        K = problem.n_neurons
        constant_bias = np.array([2.0 * heaviest - 1.0]) if K == 1 else np.eye(K)[heaviest]
        pocket = (constant_mistakes, np.zeros_like(u), constant_bias / problem.p_bias)
    pocket_curve = [pocket[0] / total]
    margin = 0.0 if tol is None else max(tol, 0.0) * total
    # the running sums of the iterates and of their net inputs, and the push
    u_sum, beta_sum, Z_sum = np.zeros_like(u), np.zeros_like(beta), np.zeros_like(Z)
    push = np.empty_like(u)
    n_iter = 0
    stopped_by = "tol" if mistakes == 0 else None
    while stopped_by is None and n_iter < max_iter:
        if back is None:
            back = problem.back(E)  # the second product
        # Polyak's step for the criterion's least value, 0 (separable data);
        # it is relative to ‖w‖, so any scale of the start works.
        step = _full_batch_kernels.perceptron_step(
            problem, back, error_sums, criterion, _RELAXATION, u, beta, w, b, u_sum, beta_sum,
            push,
        )  # fmt: skip
        if step == 0.0:  # the pushes cancel: the iterate stays, and counts again
            u_sum += u
            beta_sum += beta
        else:
            Z = problem.net_inputs(w, b)  # the first product
            criterion, weighted_mistakes, mistakes = _full_batch_kernels.perceptron_errors(
                Z, problem.targets, problem.sample_weight, E, error_sums
            )
            back = None
        n_iter += 1
        averaged_mistakes = _full_batch_kernels.summed_mistakes(
            Z_sum, Z, problem.targets, problem.sample_weight
        )
        # Only an improvement by more than tol replaces the pocket, as in the
        # stopping rule: weights with fewer mistakes on samples of negligible
        # weight are not better.
        if weighted_mistakes < pocket[0] - margin:
            pocket = (weighted_mistakes, u.copy(), beta.copy())
        if averaged_mistakes < pocket[0] - margin:
            pocket = (averaged_mistakes, u_sum / n_iter, beta_sum / n_iter)
        pocket_curve.append(pocket[0] / total)
        objective = criterion / total + (0.5 * alpha * float(np.vdot(w, w)) if alpha else 0.0)
        stop = on_iteration(w, b, objective, mistakes)
        if mistakes == 0:  # the criterion is 0: a minimum
            pocket = (0.0, u, beta)
            stopped_by = "tol"
        elif (
            tol is not None
            and len(pocket_curve) > n_iter_no_change
            # over a window, so that a smaller tol never stops earlier
            and pocket_curve[-1 - n_iter_no_change] - pocket_curve[-1] <= tol
        ):
            stopped_by = "tol"
        elif stop:
            stopped_by = "caller"
    stopped_by = stopped_by or "max_iter"
    w = pocket[1] * problem.p
    terms = zip(problem.p_bias * pocket[2], w @ problem.mean, strict=True)
    b = np.array([_full_batch_kernels.difference(a, shift) for a, shift in terms])
    return Result(w, b, n_iter, stopped_by)


def fit_full_batch(X, targets, sample_weight, weights, settings, on_iteration):
    """Train on all of X from ``weights`` (their coef and intercept); return a :class:`Result`.

    X is dense (C-ordered) or CSR, float64 or float32, and is never copied.
    ``settings`` give the rule, ``alpha``, ``tol``, ``max_iter`` and
    ``n_iter_no_change``. ``on_iteration(coef, intercept, objective,
    mistakes)`` runs after every iteration and stops training if it returns
    True.
    """
    n_neurons, perceptron = weights.coef.shape[0], settings.perceptron
    problem = Problem(X, targets, sample_weight, n_neurons, perceptron, settings.alpha)
    w, b = weights.coef.astype(np.float64), weights.intercept.astype(np.float64)  # copies
    return (fit_perceptron if perceptron else fit_log_loss)(problem, settings, w, b, on_iteration)

"""The training loops: epochs of the update rule until the stopping rule holds.

:func:`train_online` is what ``fit`` runs online and in mini-batches: epochs
of ``Δw = η · s · (t − f(z)) · x``, each scored after it, the best weights
kept (see its docstring for the one stopping rule). :func:`run_epoch` is
one pass, which is all ``partial_fit`` runs. The arithmetic of an epoch is
compiled (``_kernels``); this module decides which epochs to run and which
weights to keep. On the full batch, training is a solver of the documented
objective instead (:mod:`._full_batch`), run by :func:`train_full_batch`.
"""

import time
import warnings
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import check_random_state

from . import _full_batch_kernels, _kernels
from ._full_batch import fit_full_batch

# Online, the weights are scored after every epoch on at most this many rows
# (evenly spaced): on large data it costs a few percent of an epoch, and
# measures the objective to about 1 / sqrt(10,000) of itself.
MONITOR_ROWS = 10_000
# n_iter_no_change counts epochs of up to this many samples: on larger data,
# as many samples, in whole epochs and at least one. Averaged SGD reaches its
# plateau within an epoch or two of large data; five more would add nothing.
# Above it, the monitoring rows are set aside from training.
PATIENCE_SAMPLES = 10_000
# Large data are shuffled in blocks of consecutive rows of about this many
# bytes (a memory page), the blocks in a random order and visited
# INTERLEAVED_BLOCKS at a time, a row of each in turn: rows from anywhere in
# memory cost more to fetch than to learn from, while a block reads as one
# stretch. Interleaving keeps runs of alike rows
# (data sorted by class) from meeting the weights one after the other: with
# blocks alone the averaged perceptron lost 1.5 points on the sparse text of
# benchmarks/speed.py sorted by class, with eight interleaved 0.1. At least
# SHUFFLED_BLOCKS blocks are asked for, so small data, which the cache holds
# anyway, are shuffled row by row.
SHUFFLE_BLOCK_BYTES = 4096
SHUFFLED_BLOCKS = 4096
INTERLEAVED_BLOCKS = 8


@dataclass
class Weights:
    """The weights as training leaves them, and their running sum for averaging."""

    coef: np.ndarray
    intercept: np.ndarray
    coef_sum: np.ndarray
    intercept_sum: np.ndarray
    steps: np.ndarray  # one integer: how many steps the sums hold

    @classmethod
    def zeros(cls, n_neurons, n_features, dtype):
        return cls(
            coef=np.zeros((n_neurons, n_features), dtype=dtype),
            intercept=np.zeros(n_neurons, dtype=dtype),
            coef_sum=np.zeros((n_neurons, n_features)),
            intercept_sum=np.zeros(n_neurons),
            steps=np.zeros(1, dtype=np.int64),
        )

    @classmethod
    def from_state(cls, state):
        """Weights from :meth:`state`: a model keeps plain arrays, not this class."""
        return cls(**{name: np.array(value, copy=True) for name, value in state.items()})

    def state(self):
        """The weights as a dict of arrays, copied."""
        return {name: np.array(value, copy=True) for name, value in vars(self).items()}

    def restarted_state(self):
        """:meth:`state`, its average restarted at the current weights: one step, at them."""
        return {
            **self.state(),
            "coef_sum": self.coef.astype(np.float64),
            "intercept_sum": self.intercept.astype(np.float64),
            "steps": np.ones(1, dtype=np.int64),
        }

    def averaged(self):
        """The mean of the weights over all steps so far."""
        steps = max(int(self.steps[0]), 1)
        dtype = self.coef.dtype
        return (self.coef_sum / steps).astype(dtype), (self.intercept_sum / steps).astype(dtype)

    def reported(self, average):
        """``coef_`` and ``intercept_``: the averaged weights, or the last ones."""
        return self.averaged() if average else (self.coef.copy(), self.intercept.copy())


@dataclass(frozen=True)
class Settings:
    """How the neuron learns and when it stops, as ``fit`` resolved them."""

    activation: int
    learning_rate: float | None  # None on the full batch
    alpha: float
    batch_size: int
    average: bool
    shuffle: bool
    max_iter: int
    tol: float | None
    n_iter_no_change: int
    verbose: int

    @property
    def perceptron(self):
        return self.activation in (_kernels.STEP, _kernels.WINNER_TAKES_ALL)


@dataclass
class History:
    """One entry per epoch: the loss, the mistakes and, with early stopping, the score."""

    loss: list
    mistakes: list
    validation: list | None = None


def accuracy(coef, intercept, X, targets, sample_weight):
    """The weighted share of samples that the weights classify as ``predict`` would."""
    scores = X @ coef.T + intercept
    predicted = (scores[:, 0] > 0) if scores.shape[1] == 1 else scores.argmax(axis=1)
    return float(np.average(predicted == targets, weights=sample_weight))


def run_epoch(X, targets, sample_weight, weights, history, settings, rng, rows=None, out=None):
    """One pass over the data (its ``rows``, if given) by the update rule.

    A shuffled epoch's order is written into ``out`` (as many integers as
    rows) if given: :func:`train_online` passes the same array to every epoch.
    Returns the number of mistakes (among samples of non-zero weight).
    """
    start = time.perf_counter()
    n_samples = X.shape[0] if rows is None else len(rows)
    # The penalty at the weights the epoch starts from, as is the loss in
    # full batch; past overflow, training has diverged (checked below).
    with np.errstate(over="ignore", under="ignore"):  # tiny weights under a large alpha
        penalty = 0.5 * settings.alpha * float(np.sum(np.square(weights.coef, dtype=np.float64)))
    order = np.arange(n_samples) if rows is None else rows
    if settings.shuffle and settings.batch_size < n_samples:
        order = shuffled(order, row_bytes(X), rng, out)
    total_loss, _, mistakes = _kernels.epoch(
        X, targets.astype(np.intp, copy=False), sample_weight, order,
        weights.coef, weights.intercept, settings.activation, settings.learning_rate,
        settings.alpha, settings.batch_size, settings.average, weights.coef_sum,
        weights.intercept_sum, weights.steps,
    )  # fmt: skip
    record(history, settings, total_loss / n_samples + penalty, mistakes, weights.coef, start)
    return mistakes


def shuffled(order, bytes_per_row, rng, out=None):
    """``order`` in a random order: row by row, or in interleaved blocks on large data.

    On large data the blocks are consecutive stretches of ``order`` of
    about :data:`SHUFFLE_BLOCK_BYTES` (at least :data:`SHUFFLED_BLOCKS` of
    them); their order is shuffled, and each group of
    :data:`INTERLEAVED_BLOCKS` blocks is visited a row of each in turn. The
    samples that meet the weights one after the other come from different
    places in X, each place read in order.

    The result is written into ``out`` if given (an intp array as long as
    ``order``, not ``order`` itself), else into a new array; ``order`` is
    left as it is: the memory of a fresh array each epoch would be mapped
    page by page as it is first written.
    """
    out = np.empty_like(order) if out is None else out
    rows_per_block = min(
        SHUFFLE_BLOCK_BYTES // max(int(bytes_per_row), 1), len(order) // SHUFFLED_BLOCKS
    )
    if rows_per_block <= 1:
        out[:] = order
        rng.shuffle(out)
        return out
    starts = np.arange(0, len(order), rows_per_block)
    rng.shuffle(starts)
    _kernels.interleave_blocks(order, starts, rows_per_block, INTERLEAVED_BLOCKS, out)
    return out


def row_bytes(X):
    """The bytes of one row of X, on average (for CSR: its values and indices)."""
    if sp.issparse(X):
        return (X.data.itemsize + X.indices.itemsize) * X.nnz / max(X.shape[0], 1)
    return X.itemsize * X.shape[1]


def record(history, settings, loss, mistakes, coef, start):
    """Append an epoch (or full-batch iteration) to the history; print it if verbose."""
    if not (np.isfinite(loss) and np.all(np.isfinite(coef))):
        raise ValueError(
            "Training diverged (the weights became infinite or NaN); "
            "scale the features, e.g. with StandardScaler, or lower "
            "learning_rate."
        )
    history.loss.append(loss)
    history.mistakes.append(int(mistakes))
    if settings.verbose:
        print(
            f"-- Epoch {len(history.loss)}, loss: {loss:.6f}, "
            f"mistakes: {mistakes}, time: {time.perf_counter() - start:.4f} s"
        )


class Pocket:
    """The best-scored weights so far, and the stopping rule on their scores.

    Training stops once the score has not improved by more than ``tol`` for
    ``patience`` scores in a row; a score that only equals the best plus
    ``tol`` is no improvement (as in scikit-learn's SGD), or ``tol=0`` would
    never stop on a plateau.
    """

    def __init__(self, tol, patience):
        self.tol, self.patience = tol, patience
        self.score, self.weights, self.without_improvement = -np.inf, None, 0

    def stop_after(self, score, weights):
        """Count ``score``; keep ``weights()`` if it is the best. Return whether to stop."""
        improved = score > self.score + self.tol
        self.without_improvement = 0 if improved else self.without_improvement + 1
        if score > self.score:
            self.score, self.weights = score, weights()
        return self.without_improvement >= self.patience


def train_online(
    X, targets, sample_weight, weights, history, settings, random_state, validation=None
):
    """Epochs until the stopping rule holds; update ``weights`` and ``history`` in place.

    The stopping rule: after every epoch the weights to report (averaged or
    last) are scored, by their accuracy on the ``validation`` data
    ``(X, targets, sample_weight)`` that early stopping held out, or else by
    :func:`monitored_score`; the best-scored weights are kept, and training
    stops when the score has not improved by ``tol`` for ``n_iter_no_change``
    epochs (of at most :data:`PATIENCE_SAMPLES` samples), or when an epoch of
    the perceptron rule met no mistake.
    ``tol=None`` scores nothing and runs ``max_iter`` epochs (with early
    stopping, it is 0). ``random_state`` shuffles the epochs. Returns the
    best validation score (None without validation).
    """
    rng = check_random_state(random_state)
    tol = 0.0 if settings.tol is None and validation is not None else settings.tol
    rows, monitor = None, validation
    if validation is None and tol is not None:
        rows, monitor = monitoring_rows(X, targets, sample_weight)
    set_aside = rows is not None
    # every epoch reads the same rows and writes its order into the same array
    training_rows = np.arange(X.shape[0]) if rows is None else rows
    order = np.empty_like(training_rows)
    patience = settings.n_iter_no_change
    if len(training_rows) > PATIENCE_SAMPLES:
        patience = max(1, min(patience, -(-patience * PATIENCE_SAMPLES // len(training_rows))))

    pocket = Pocket(tol, patience)
    for _ in range(settings.max_iter):
        mistakes = run_epoch(
            X, targets, sample_weight, weights, history, settings, rng, training_rows, order
        )
        if tol is not None:
            if validation is not None:
                score, keep = accuracy(*weights.reported(settings.average), *validation), None
                history.validation.append(score)
            else:
                score, keep = monitored_score(weights, *monitor, settings, set_aside)
            if pocket.stop_after(score, keep or weights.state):
                break
        if settings.perceptron and mistakes == 0:  # the perceptron rule is done
            break
    else:
        if tol is not None:
            warn_not_converged(settings)
    if pocket.weights is not None:
        vars(weights).update(pocket.weights)
    return pocket.score if validation is not None else None


def monitoring_rows(X, targets, sample_weight):
    """The rows to train on (None: all), and the monitoring rows ``(X, targets, sample_weight)``.

    Up to :data:`PATIENCE_SAMPLES` samples, all the training rows monitor;
    above, one row in 20, at most :data:`MONITOR_ROWS`, evenly spaced, set
    aside from training (of dense X a view, of sparse X a copy).
    """
    if X.shape[0] <= PATIENCE_SAMPLES:
        return None, (X, targets, sample_weight)
    every = max(20, -(-X.shape[0] // MONITOR_ROWS))
    aside = slice(0, X.shape[0], every)
    training = np.ones(X.shape[0], dtype=bool)
    training[aside] = False
    return np.flatnonzero(training), (X[aside], targets[aside], sample_weight[aside])


def monitored_score(weights, X, targets, sample_weight, settings, set_aside):
    """How well the weights do on the monitoring rows (the higher, the better), and what to keep.

    The weights scored are those to report; when averaging, the last ones
    too, and if they do better, they are kept with the average restarted
    at them (:meth:`Weights.restarted_state`; None: the weights as they are).
    The score of the perceptron rule is the weighted share of samples it gets
    right; of the sigmoid rule, minus the weighted mean log-loss, plus the
    penalty on training rows (the objective that training minimises). On rows
    set aside, it is the log-loss alone, as on new data: the penalty grows
    with the weights while their loss on new data still falls (on the sparse
    text of benchmarks/speed.py, the loss plus the penalty was least after 3
    to 5 epochs, at 0.003 to 0.004 below LogisticRegression's test accuracy;
    the loss alone, after 10 to 13 epochs, at 0.001 to 0.002 below it).
    """
    alpha = 0.0 if set_aside else settings.alpha

    def score(coef, intercept):
        loss, weighted_mistakes, _ = evaluate(
            coef, intercept, X, targets, sample_weight, alpha, settings.perceptron
        )
        if settings.perceptron:
            return 1.0 - weighted_mistakes / float(sample_weight.sum())
        return -loss

    reported = score(*weights.reported(settings.average))
    if settings.average:
        last = score(weights.coef, weights.intercept)
        if last > reported:
            return last, weights.restarted_state
    return reported, None


def evaluate(coef, intercept, X, targets, sample_weight, alpha, perceptron):
    """The objective (the rule's weighted mean loss plus the penalty) and the mistakes.

    Returns the objective, the weighted mistakes (the perceptron rule's
    score; None for the sigmoid rule, scored by its loss) and the number of
    mistakes among samples of non-zero weight; ``z = 0``, or a tie, is a mistake. The
    same compiled passes as the full batch's (_full_batch_kernels).
    """
    Z = np.ascontiguousarray(X @ coef.T, dtype=np.float64)
    Z += intercept
    E, sums = np.empty_like(Z), np.empty(Z.shape[1])
    targets = np.ascontiguousarray(targets, dtype=np.intp)
    sample_weight = np.ascontiguousarray(sample_weight)
    if perceptron:
        loss, weighted_mistakes, mistakes = _full_batch_kernels.perceptron_errors(
            Z, targets, sample_weight, E, sums
        )
    else:
        loss, _, _, mistakes = _full_batch_kernels.log_loss_along(
            Z, np.zeros_like(Z), 0.0, targets, sample_weight, np.empty_like(Z),
            np.empty_like(Z), E, sums,
        )  # fmt: skip
        weighted_mistakes = None
    with np.errstate(over="ignore", under="ignore"):
        penalty = 0.5 * alpha * float(np.sum(np.square(coef, dtype=np.float64)))
    return loss / float(sample_weight.sum()) + penalty, weighted_mistakes, mistakes


def warn_not_converged(settings):
    warnings.warn(
        f"The neuron did not converge in max_iter={settings.max_iter} epochs; "
        "raise max_iter, or scale the features.",
        ConvergenceWarning,
        stacklevel=5,
    )


def train_full_batch(X, targets, sample_weight, weights, history, settings, validation=None):
    """Minimise the objective on all of X (see _full_batch.py); as :func:`train_online`.

    One history entry per iteration: the objective and the training mistakes
    of the weights the iteration reached (the start alone if no iteration
    was needed), so ``n_iter_ == len(loss_curve_)``. With early stopping,
    every iteration is scored and stopped as an online epoch is.
    ``average`` does not apply: the solver returns its own best weights.
    """
    pocket = Pocket(0.0 if settings.tol is None else settings.tol, settings.n_iter_no_change)
    clock = {"start": time.perf_counter()}

    def on_iteration(coef, intercept, objective, mistakes):
        record(history, settings, objective, mistakes, coef, clock["start"])
        clock["start"] = time.perf_counter()
        if validation is None:
            return False
        score = accuracy(coef, intercept, *validation)
        history.validation.append(score)
        return pocket.stop_after(score, lambda: (coef.copy(), intercept.copy()))

    with np.errstate(over="ignore", under="ignore"):
        result = fit_full_batch(X, targets, sample_weight, weights, settings, on_iteration)
    coef, intercept = result.coef, result.intercept
    if result.n_iter == 0:  # nothing to do from the start: record it
        loss, _, mistakes = evaluate(
            coef, intercept, X, targets, sample_weight, settings.alpha, settings.perceptron
        )
        on_iteration(coef, intercept, loss, mistakes)
    if validation is not None:
        coef, intercept = pocket.weights
    if not np.all(np.isfinite(coef)) or not np.all(np.isfinite(intercept)):
        record(history, settings, np.nan, 0, coef, clock["start"])  # raises
    dtype = weights.coef.dtype
    weights.coef[...] = coef.astype(dtype)
    weights.intercept[...] = intercept.astype(dtype)
    if result.stopped_by == "max_iter" and (settings.tol is not None or validation is not None):
        warn_not_converged(settings)
    elif result.stopped_by == "rounding" and settings.tol:
        warnings.warn(
            f"The solver stopped after {result.n_iter} iterations at the rounding floor of "
            f"{X.dtype} arithmetic, where no step lowers the objective, before its gradient "
            f"reached tol={settings.tol:g}: the weights are as close to the optimum as "
            f"{X.dtype} gets. Raise tol{' or pass float64' if X.dtype == np.float32 else ''} "
            "to stop before it.",
            UserWarning,
            stacklevel=5,
        )
    return pocket.score if validation is not None else None

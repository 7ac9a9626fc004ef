"""The training loop: epochs of the update rule until a stopping rule holds.

:func:`train` is what ``fit`` runs: epochs of ``Δw = η · s · (t − f(z)) · x``
(online, in mini-batches or on the full batch), with the stopping rules, the
pocket of the best weights and early stopping on held-out data.
:func:`run_epoch` is one pass, which is all ``partial_fit`` runs. The
arithmetic of an epoch is compiled (``_kernels``); this module decides which
epochs to run and which weights to keep. On the full batch, training is a
solver of the documented objective instead (:mod:`._full_batch`), run by
:func:`train_full_batch`.
"""

import time
import warnings
from dataclasses import dataclass, replace

import numpy as np
import scipy.sparse as sp
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import check_random_state

from . import _kernels
from ._full_batch import fit_full_batch

# ``batch_size="auto"`` trains on the full batch up to this many samples and
# online above, where averaged SGD reaches the optimum's accuracy within two
# or three epochs of a few passes of X each, several times faster than any
# full-batch solver (benchmarks/auto_batch_size.py). Online steps are not
# preconditioned, though: features whose scales span more than
# AUTO_SCALE_SPREAD keep the full batch, which is, up to the larger size.
AUTO_FULL_BATCH_MAX_SAMPLES = 20_000
AUTO_FULL_BATCH_MAX_UNSCALED_SAMPLES = 300_000
AUTO_SCALE_SPREAD = 100.0
# Sparse input gets the full batch only up to this many samples, and only if
# it stores at least as many values as it has features. Measured with the same
# script on text-like data (2**18 hashed features, unit rows): online learning
# was as accurate for the sigmoid rule and several times faster, and the batch
# perceptron stayed near chance (its bias, pushed by every mistake at once,
# outweighs features that each row shares with few others). Every full-batch
# epoch also passes over all the weights, which costs more than the data when
# the features outnumber the stored values (the user guide has the figures).
# Other small data keep the full
# batch: its result does not depend on the sample order.
AUTO_FULL_BATCH_MAX_SPARSE_SAMPLES = 1_000

# Online, the averaged model is judged after every epoch on at most this many
# of the training rows (evenly spaced): on large data it costs a few percent
# of an epoch, and measures the objective to about 1 / sqrt(10,000) of itself.
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


def auto_batch_size(X):
    """The batch size of ``batch_size="auto"`` in ``fit``: all of X, or 1."""
    n_samples = X.shape[0]
    if sp.issparse(X):
        small = n_samples <= AUTO_FULL_BATCH_MAX_SPARSE_SAMPLES and X.nnz >= X.shape[1]
    else:
        small = n_samples <= AUTO_FULL_BATCH_MAX_SAMPLES or (
            n_samples <= AUTO_FULL_BATCH_MAX_UNSCALED_SAMPLES
            and scale_spread(X) > AUTO_SCALE_SPREAD
        )
    return n_samples if small else 1


def scale_spread(X):
    """The largest root mean square of a column over the smallest (non-zero) one.

    On at most MONITOR_ROWS evenly spaced rows (a view): the spread of the
    scales, offsets included, that online steps of one size must serve.
    """
    rows = X[:: max(1, -(-X.shape[0] // MONITOR_ROWS))]
    squares = np.einsum("ij,ij->j", rows, rows, dtype=np.float64)
    squares = squares[squares > 0]
    return float(np.sqrt(squares.max() / squares.min())) if len(squares) else 1.0


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

    def copy(self):
        return Weights.from_state(vars(self))

    def restarted_average(self):
        """A copy whose average is its current weights: one step, at them."""
        return Weights(
            self.coef.copy(),
            self.intercept.copy(),
            self.coef.astype(np.float64),
            self.intercept.astype(np.float64),
            np.ones(1, dtype=np.int64),
        )

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


def classified_right(coef, intercept, X, targets):
    """Which samples the weights classify right."""
    scores = X @ coef.T + intercept
    predicted = (scores[:, 0] > 0) if scores.shape[1] == 1 else scores.argmax(axis=1)
    return predicted == targets


def accuracy(coef, intercept, X, targets, sample_weight):
    """The weighted share of samples that the weights classify right."""
    return float(np.average(classified_right(coef, intercept, X, targets), weights=sample_weight))


def beats_by_more_than_chance(right, best_right, sample_weight):
    """Whether ``right`` does better than ``best_right`` beyond chance, on the same rows.

    Where the two disagree, equally good classifiers would each be right
    half of the time: the weighted difference must pass two of its standard
    deviations (McNemar's test), not merely be positive.
    """
    if best_right is None:
        return True
    gain = float(sample_weight @ (right.astype(float) - best_right))
    noise = float(np.sqrt(sample_weight**2 @ (right != best_right)))
    return gain > 2.0 * noise


def run_epoch(X, targets, sample_weight, weights, history, settings, rng, rows=None, out=None):
    """One pass over the data (its ``rows``, if given) by the update rule.

    A shuffled epoch's order is written into ``out`` (as many integers as
    rows) if given: ``train`` passes the same array to every epoch.
    Returns the weighted and the counted mistakes.
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
    total_loss, weighted_mistakes, mistakes = _kernels.epoch(
        X, targets.astype(np.intp, copy=False), sample_weight, order,
        weights.coef, weights.intercept, settings.activation, settings.learning_rate,
        settings.alpha, settings.batch_size, settings.average, weights.coef_sum,
        weights.intercept_sum, weights.steps,
    )  # fmt: skip
    record(history, settings, total_loss / n_samples + penalty, mistakes, weights.coef, start)
    return weighted_mistakes, mistakes


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


def train(X, targets, sample_weight, weights, history, settings, random_state, validation=None):
    """Run epochs until a stopping rule holds; update ``weights`` and ``history`` in place.

    ``random_state`` (an int, a RandomState or None) shuffles the online
    epochs; the full batch has nothing to shuffle. ``validation`` is
    ``(X, targets, sample_weight)`` of the data held out by early stopping,
    or None. Returns the best validation score (None without validation).
    """
    if settings.batch_size >= X.shape[0]:
        return train_full_batch(X, targets, sample_weight, weights, history, settings, validation)
    rng = check_random_state(random_state)
    perceptron = settings.perceptron
    # Kept aside: the weights of the best epoch, by validation score with
    # early stopping; otherwise, for the perceptron rule, which cycles on
    # data that no hyperplane separates, by fewest weighted training
    # mistakes (the "pocket" algorithm, Gallant 1990). Online, where the
    # weights change within the epoch, only when ``tol`` asks for a stop
    # (``tol=None`` is the textbook rule, last weights and all).
    pocket = validation is None and perceptron and settings.tol is not None
    best_weights, best_score = None, -np.inf
    # The averaged weights are not the ones that met the samples: they are
    # judged after the epoch, on the monitoring rows, as the pocket's are.
    # Large data lend them rows that training does not see.
    rows, monitor = None, monitoring_rows(X, targets, sample_weight)
    if validation is None and settings.tol is not None and X.shape[0] > PATIENCE_SAMPLES:
        rows, monitor = set_aside(X, targets, sample_weight)
    n_training = X.shape[0] if rows is None else len(rows)
    # every epoch reads the same rows and writes its order into the same array
    training_rows = np.arange(n_training) if rows is None else rows
    order = np.empty_like(training_rows)
    judge_average = settings.average and settings.tol is not None and validation is None
    patience = settings.n_iter_no_change
    if n_training > PATIENCE_SAMPLES:
        patience = max(1, min(patience, -(-patience * PATIENCE_SAMPLES // n_training)))

    best_progress, epochs_without_improvement = np.inf, 0
    best_right = None  # the monitoring rows the best averaged perceptron got right
    converged = False
    for _ in range(settings.max_iter):
        weighted_mistakes, mistakes = run_epoch(
            X, targets, sample_weight, weights, history, settings, rng, training_rows, order
        )

        # The perceptron criterion is 0 at zero weights, where every sample
        # is a mistake: the perceptron rule is judged by its mistakes.
        progress = weighted_mistakes / n_training if perceptron else history.loss[-1]
        if judge_average and not perceptron:
            progress = monitored_loss(*weights.averaged(), *monitor, settings, rows is not None)
        candidate = None
        if validation is not None:
            coef, intercept = weights.reported(settings.average)
            score = accuracy(coef, intercept, *validation)
            history.validation.append(score)
            progress, candidate = -score, weights
        elif pocket:
            # the last weights, or their average if it does better
            score = accuracy(weights.coef, weights.intercept, *monitor)
            candidate = weights.restarted_average()
            if settings.average:
                right = classified_right(*weights.averaged(), *monitor[:2])
                averaged = float(np.average(right, weights=monitor[2]))
                progress = 1.0 - averaged  # the weighted share of mistakes
                if rows is not None:  # on rows set aside: better only beyond chance
                    if beats_by_more_than_chance(right, best_right, monitor[2]):
                        best_right = right
                    else:
                        progress = max(progress, best_progress)
                if averaged >= score:
                    score, candidate = averaged, weights
        if candidate is not None and score > best_score:
            best_score, best_weights = score, candidate.copy()

        if perceptron and mistakes == 0:
            converged = True
            break
        tol = settings.tol
        if tol is None and validation is not None:
            tol = 0.0  # early stopping stops when the score stops improving at all
        if tol is not None:
            # A held-out score that only equals the best is no improvement
            # (as in scikit-learn's SGD), or tol=None would never stop on a plateau.
            if progress > best_progress - tol or (
                validation is not None and progress == best_progress - tol
            ):
                epochs_without_improvement += 1
            else:
                epochs_without_improvement = 0
            best_progress = min(best_progress, progress)
            if epochs_without_improvement >= patience:
                converged = True
                break
    if best_weights is not None:
        vars(weights).update(vars(best_weights))
    if not converged and (settings.tol is not None or validation is not None):
        warn_not_converged(settings)
    return best_score if validation is not None else None


def set_aside(X, targets, sample_weight):
    """The rows to train on, and the monitoring rows set aside: one in 20, at most MONITOR_ROWS.

    Of dense X the set-aside rows are a view; of sparse X a copy, of a twentieth of it.
    """
    every = max(20, -(-X.shape[0] // MONITOR_ROWS))
    aside = slice(0, X.shape[0], every)
    training = np.ones(X.shape[0], dtype=bool)
    training[aside] = False
    return np.flatnonzero(training), (X[aside], targets[aside], sample_weight[aside])


def monitoring_rows(X, targets, sample_weight):
    """All the training rows, or at most :data:`MONITOR_ROWS` of them, evenly spaced.

    Of dense X a view; of sparse X a copy, of at most an eighth of it.
    """
    if X.shape[0] <= MONITOR_ROWS:
        return X, targets, sample_weight
    every = -(-X.shape[0] // MONITOR_ROWS)
    if sp.issparse(X):
        every = max(every, 8)
    rows = slice(0, X.shape[0], every)
    return X[rows], targets[rows], sample_weight[rows]


def monitored_loss(coef, intercept, X, targets, sample_weight, settings, set_aside):
    """How the averaged weights do on the monitoring rows: the weighted mean log-loss.

    On training rows, plus the penalty: the objective that training
    minimises. On rows set aside, the log-loss alone, as on new data: the
    penalty grows with the weights while their loss on new data still falls
    (on the sparse text of benchmarks/speed.py, the loss plus the penalty
    was least after 3 to 5 epochs, at 0.003 to 0.004 below
    LogisticRegression's test accuracy; the loss alone, after 10 to 13
    epochs, at 0.001 to 0.002 below it).
    """
    if set_aside:
        settings = replace(settings, alpha=0.0)
    return full_batch_start(X, targets, sample_weight, coef, intercept, settings)[0]


def warn_not_converged(settings):
    warnings.warn(
        f"The neuron did not converge in max_iter={settings.max_iter} epochs; "
        "raise max_iter, or scale the features.",
        ConvergenceWarning,
        stacklevel=5,
    )


def train_full_batch(X, targets, sample_weight, weights, history, settings, validation=None):
    """Minimise the objective on all of X (see _full_batch.py); as :func:`train`.

    One history entry per iteration: the objective and the training mistakes
    of the weights the iteration reached (the start alone if no iteration
    was needed), so ``n_iter_ == len(loss_curve_)``. With early stopping every iteration's
    weights are scored on the held-out data and the best are kept; training
    stops after ``n_iter_no_change`` iterations without improvement.
    ``average`` does not apply: the solver returns its own best weights.
    """
    best = {"score": -np.inf, "weights": None, "without_improvement": 0}
    clock = {"start": time.perf_counter()}

    def on_iteration(coef, intercept, objective, mistakes):
        record(history, settings, objective, mistakes, coef, clock["start"])
        clock["start"] = time.perf_counter()
        if validation is None:
            return False
        score = accuracy(coef, intercept, *validation)
        history.validation.append(score)
        tol = 0.0 if settings.tol is None else settings.tol
        if score > best["score"] + tol:
            best["without_improvement"] = 0
        else:
            best["without_improvement"] += 1
        if score > best["score"]:
            best["score"], best["weights"] = score, (coef.copy(), intercept.copy())
        return best["without_improvement"] >= settings.n_iter_no_change

    with np.errstate(over="ignore", under="ignore"):
        result = fit_full_batch(X, targets, sample_weight, weights, settings, on_iteration)
    coef, intercept = result.coef, result.intercept
    if validation is not None and best["weights"] is not None:
        coef, intercept = best["weights"]
    if result.n_iter == 0:  # nothing to do from the start: record it
        loss, mistakes = full_batch_start(X, targets, sample_weight, coef, intercept, settings)
        record(history, settings, loss, mistakes, coef, clock["start"])
        if validation is not None:
            best["score"] = accuracy(coef, intercept, *validation)
            history.validation.append(best["score"])
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
    return best["score"] if validation is not None else None


def full_batch_start(X, targets, sample_weight, coef, intercept, settings):
    """The objective and the mistakes of the weights training started and ended at."""
    scores = np.asarray(X @ coef.T, dtype=np.float64) + intercept
    predicted = (scores[:, 0] > 0) if scores.shape[1] == 1 else scores.argmax(axis=1)
    mistakes = int(np.count_nonzero((predicted != targets) & (sample_weight > 0)))
    penalty = 0.5 * settings.alpha * float(np.sum(coef * coef))
    if settings.perceptron:
        return penalty, mistakes
    if scores.shape[1] == 1:
        # log(1 + e^−margin) as the online epochs take it (see _kernels.pyx):
        # faster than np.logaddexp, which the monitoring rows of every epoch
        # of large data pay for
        z = scores[:, 0]
        margin = np.where(targets == 1, z, -z)
        losses = np.log(1.0 + np.exp(-np.abs(z))) + np.maximum(-margin, 0.0)
    else:
        top = scores.max(axis=1)
        losses = np.log(np.exp(scores - top[:, None]).sum(axis=1)) + top
        losses -= scores[np.arange(len(targets)), targets]
    return float(np.average(losses, weights=sample_weight)) + penalty, mistakes

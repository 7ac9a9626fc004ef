"""Full-batch epochs: the update rule for all samples at once, as matrix products.

In full batch every sample meets the same weights, so the rule
``Δw = η · s · (t − f(z)) · x``, summed over the samples, is three steps:

    Z = X Wᵀ + b              the net inputs of all samples (one product)
    E = s · (T − f(Z))        the error signals, row by row (compiled)
    W ← (1 − η·alpha) · W + η · mean(Eᵀ X)        (a second product)

The two products run in the BLAS (or scipy.sparse for sparse X), which reads
X at memory speed and uses every core it is allowed, as scikit-learn's own
solvers do; the error signals are the very function the online rule uses,
except that the exponentials of the sigmoid or softmax come from numpy's
``exp``, which works on several numbers at once (SIMD) and is several times
faster than one call a sample.
"""

import numpy as np
import scipy.sparse as sp

from . import _kernels
from ._probabilities import row_max

# Dense X goes through in blocks of rows (views, not copies): a block small
# enough to stay in the processor's cache between the two products, and whose
# net inputs and errors stay small next to X.
_BLOCK_BYTES = 2**22
_NET_INPUTS_PER_BLOCK = 2**16


class FullBatch:
    """Runs full-batch epochs on fixed training data."""

    def __init__(self, X, targets, sample_weight, n_neurons):
        self.targets = targets.astype(np.intp, copy=False)
        self.sample_weight = sample_weight
        n_samples = X.shape[0]
        if sp.issparse(X):  # rows of a sparse matrix would be a copy: X goes whole
            self.blocks = [(slice(0, n_samples), X)]
            block = n_samples
        else:
            row_bytes = X.itemsize * max(1, X.shape[1])
            block = max(1, min(_BLOCK_BYTES // row_bytes, _NET_INPUTS_PER_BLOCK // n_neurons))
            self.blocks = [
                (slice(start, start + block), X[start : start + block])
                for start in range(0, n_samples, block)
            ]
        self.errors = np.empty((min(block, n_samples), n_neurons))

    def epoch(self, weights, activation, learning_rate, alpha, average):
        """One step on the whole batch; return ``(loss, weighted mistakes, mistakes)`` sums."""
        coef, intercept = weights.coef, weights.intercept
        update = np.zeros(coef.shape)
        update_intercept = np.zeros(len(intercept))
        sums = np.zeros(3)
        for rows, X in self.blocks:
            z = np.asarray(X @ coef.T, dtype=np.float64) + intercept
            errors = self.errors[: z.shape[0]]
            if activation in (_kernels.SIGMOID, _kernels.SOFTMAX):
                exponentials(z, activation, out=errors)
            sums += _kernels.batch_errors(
                z, self.targets[rows], self.sample_weight[rows], activation, errors,
                update_intercept,
            )  # fmt: skip
            # in X's precision, so that a float32 X is not converted
            update += np.asarray(errors.T.astype(X.dtype, copy=False) @ X)

        step = learning_rate / len(self.targets)
        coef *= 1.0 - learning_rate * alpha
        coef += step * update
        intercept += step * update_intercept
        if average:
            weights.coef_sum += coef
            weights.intercept_sum += intercept
            weights.steps[0] += 1
        total_loss, weighted_mistakes, mistakes = sums
        return total_loss, weighted_mistakes, int(mistakes)


def exponentials(z, activation, out):
    """``_kernels.exponentials`` for a block of net inputs, by numpy."""
    if activation == _kernels.SIGMOID:
        np.negative(np.abs(z, out=out), out=out)
    else:
        np.subtract(z, row_max(z)[:, np.newaxis], out=out)
    np.exp(out, out=out)

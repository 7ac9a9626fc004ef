"""Nesterov's momentum for full-batch training.

With the full batch every step follows the same function, the mean loss, and
a constant step needs many epochs on ill-conditioned data: the bias, whose
input is 1 while the features may be large, moves especially slowly. Nesterov's
method takes each step from a point ahead of the weights, in the direction
they were already moving, which shortens the road from O(1/k) steps to
O(1/k²) for smooth losses, and lets the perceptron rule's consistent pushes on
a slow coordinate add up. When the loss goes up, the momentum overshot and
is dropped ("function restart", O'Donoghue and Candès, 2015), which keeps the
descent of the log-loss steady.
"""

import numpy as np


class NesterovMomentum:
    """Moves the weights (in place) to the look-ahead point before each step."""

    def __init__(self, coef, intercept):
        self.previous = [coef.copy(), intercept.copy()]
        self.moved = [np.empty_like(coef), np.empty_like(intercept)]  # reused: no allocation
        self.iteration = 0

    def look_ahead(self, coef, intercept):
        """Move the weights ahead by the momentum; call before the step."""
        beta = self.iteration / (self.iteration + 3)
        for current, previous, moved in zip(
            [coef, intercept], self.previous, self.moved, strict=True
        ):
            np.subtract(current, previous, out=moved)
            previous[...] = current
            moved *= beta
            current += moved
        self.iteration += 1

    def restart(self):
        """Drop the momentum, e.g. when the loss went up: it overshot."""
        self.iteration = 0

"""
======================================
A perceptron on two points, two epochs
======================================

The smallest example of the perceptron rule: two labelled points, learned one
at a time with a step of 1, from zero weights. In the first epoch the neuron
makes one mistake and updates its weights; in the second it gets both points
right, needs no update, and training stops.

We train the neuron one epoch per call of
:meth:`~sklearn_neuron.NeuronClassifier.partial_fit` and draw its boundary,
the line where the net input :math:`z = w \\cdot x + b` is zero, after each
epoch. The :doc:`user guide </user_guide>` works the same example by hand.
"""

# %%
# The data and the textbook settings
# ----------------------------------
# One point of each class. The settings make the estimator follow the
# textbook rule exactly: online (``batch_size=1``), in the given order
# (``shuffle=False``), a constant step of 1, no penalty, no averaging, and no
# stopping rule but an epoch without mistakes.
import matplotlib.pyplot as plt
import numpy as np

from sklearn_neuron import NeuronClassifier

X = np.array([[1.0, 1.0], [-1.0, -1.0]])
y = np.array([1, 0])

neuron = NeuronClassifier(
    learning_rule="perceptron",
    batch_size=1,
    shuffle=False,
    alpha=0.0,
    learning_rate=1.0,
    average=False,
    tol=None,
)

# %%
# Training, epoch by epoch
# ------------------------
# Each call of ``partial_fit`` is one pass over the two points. We keep the
# weights after every epoch; before the first, they are all zero.
weights = [(np.zeros(2), 0.0)]
for epoch in [1, 2]:
    neuron.partial_fit(X, y, classes=[0, 1])
    weights.append((neuron.coef_[0].copy(), float(neuron.intercept_[0])))
    print(
        f"epoch {epoch}: w = {neuron.coef_[0]}, b = {neuron.intercept_[0]}, "
        f"mistakes = {neuron.mistakes_curve_[-1]}, z = {neuron.decision_function(X)}"
    )

# %%
# In epoch 1 the first point has :math:`z = 0`, which counts as a mistake:
# the weights move by the input, :math:`w = (1, 1)`, and the bias by 1. The
# second point then has :math:`z = -2 + 1 = -1 < 0`, class 0, right. In epoch
# 2 both points are right (:math:`z = 3` and :math:`z = -1`), so nothing
# changes. A single call of ``fit`` with the same settings stops there too:
fitted = NeuronClassifier(**neuron.get_params()).fit(X, y)
print("mistakes per epoch:", fitted.mistakes_curve_, " epochs:", fitted.n_iter_)

# %%
# The boundary after each epoch
# -----------------------------
# The boundary is the line :math:`w_1 x_1 + w_2 x_2 + b = 0`, and the weight
# vector :math:`w` points, perpendicular to it, towards the side the neuron
# calls class 1. With zero weights every point has :math:`z = 0`: there is no
# boundary yet.
grid = np.linspace(-2, 2, 201)
xx, yy = np.meshgrid(grid, grid)
titles = ["before training", "after epoch 1", "after epoch 2"]

fig, axes = plt.subplots(1, 3, figsize=(12, 4.6), sharey=True, layout="constrained")
for ax, (w, b), title in zip(axes, weights, titles, strict=True):
    if np.any(w):
        z = w[0] * xx + w[1] * yy + b
        ax.contourf(xx, yy, z > 0, levels=[-0.5, 0.5, 1.5], colors=["#f4c7a1", "#a9c8e8"])
        ax.contour(xx, yy, z, levels=[0], colors="black")
        # the arrow starts on the boundary, at the point closest to the origin
        foot = -b * w / (w @ w)
        ax.annotate(
            "", xy=foot + 0.8 * w / np.linalg.norm(w), xytext=foot,
            arrowprops=dict(arrowstyle="->", lw=2),
        )  # fmt: skip
        ax.text(*(foot + 0.9 * w / np.linalg.norm(w)), "w", fontsize=12)
    else:
        ax.text(0, 1.5, "z = 0 everywhere:\nno boundary yet", ha="center", va="center")
    ax.scatter(X[y == 1, 0], X[y == 1, 1], s=120, c="tab:blue", edgecolor="k", label="class 1")
    ax.scatter(X[y == 0, 0], X[y == 0, 1], s=120, c="tab:orange", edgecolor="k", label="class 0")
    ax.set_title(f"{title}\nw = ({w[0]:g}, {w[1]:g}), b = {b:g}")
    ax.set_xlim(-2, 2)
    ax.set_ylim(-2, 2)
    ax.set_aspect("equal")
    ax.set_xlabel("$x_1$")
axes[0].set_ylabel("$x_2$")
axes[0].legend(loc="lower right")
plt.show()

# %%
# The line :math:`x_1 + x_2 + 1 = 0` separates the two points, so the second
# epoch has nothing to learn. It passes much closer to the point of class 0
# than to the point of class 1: the perceptron stops at the first boundary
# that makes no mistake, not at the one with the widest margin.

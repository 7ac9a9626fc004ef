"""
===============
Learning curves
===============

Every epoch of training appends one number to two records of the fitted
neuron: ``loss_curve_``, the mean loss (plus the L2 penalty), and
``mistakes_curve_``, the number of training samples the neuron got wrong.
Here they show how the two learning rules, and online against full-batch
training, approach their final weights on scikit-learn's breast cancer data.
"""

# %%
# Four ways to train
# ------------------
# Each rule learns online (``batch_size=1``, one update per sample, with a
# constant step and averaging) and on the full batch (one solver iteration
# per entry: L-BFGS for the sigmoid rule, Polyak steps for the perceptron
# rule, neither with a fixed step, so ``learning_rate_`` is None there).
# Everything else is left at its default, including the stopping rules, so
# each run stops when it no longer improves.
import matplotlib.pyplot as plt
from sklearn.datasets import load_breast_cancer
from sklearn.preprocessing import StandardScaler

from sklearn_neuron import NeuronClassifier

X, y = load_breast_cancer(return_X_y=True)
X = StandardScaler().fit_transform(X)

runs = {}
for rule in ["perceptron", "sigmoid"]:
    for batch_size, batch_name in [(1, "online"), (len(X), "full batch")]:
        neuron = NeuronClassifier(learning_rule=rule, batch_size=batch_size, random_state=0)
        runs[rule, batch_name] = neuron.fit(X, y)
        step = "none" if neuron.learning_rate_ is None else f"{neuron.learning_rate_:.3f}"
        print(
            f"{rule:<11}{batch_name:<11}{neuron.n_iter_:4d} epochs, "
            f"learning_rate_ = {step}, training accuracy {neuron.score(X, y):.3f}"
        )

# %%
# The curves
# ----------
# The top row is the loss each rule descends: the perceptron criterion (how
# far the misclassified samples are on the wrong side) and the log-loss. The
# bottom row counts the mistakes, on a logarithmic scale above 10 and a
# linear one below (an epoch without mistakes shows as 0).
fig, axes = plt.subplots(2, 2, figsize=(10, 7), sharex="col", layout="constrained")
for column, rule in enumerate(["perceptron", "sigmoid"]):
    for batch_name, style in [("online", "o-"), ("full batch", "s-")]:
        neuron = runs[rule, batch_name]
        epochs = range(1, neuron.n_iter_ + 1)
        axes[0, column].plot(epochs, neuron.loss_curve_, style, ms=3, label=batch_name)
        axes[1, column].plot(epochs, neuron.mistakes_curve_, style, ms=3, label=batch_name)
    loss_name = "perceptron criterion" if rule == "perceptron" else "log-loss"
    axes[0, column].set_title(f'learning_rule="{rule}"')
    axes[0, column].set_ylabel(f"loss_curve_ ({loss_name})")
    axes[1, column].set_ylabel("mistakes_curve_ (misclassified samples)")
    # symlog rather than log: an epoch without mistakes would show 0
    axes[1, column].set_yscale("symlog", linthresh=10)
    # symlog's own ticks leave this range of counts unlabelled: name them
    most = max(max(runs[rule, name].mistakes_curve_) for name in ["online", "full batch"])
    ticks = [count for count in [0, 2, 5, 10, 20, 50, 100, 200, 500] if count <= 2 * most]
    axes[1, column].set_yticks(ticks, [str(count) for count in ticks])
    axes[1, column].grid(axis="y", alpha=0.3)
    axes[1, column].set_xlabel("epoch")
    axes[0, column].legend()
axes[0, 1].set_yscale("log")
plt.show()

# %%
# What the curves show:
#
# * Online, the neuron has learned from many samples before the epoch ends,
#   so even the first epoch makes few mistakes. The curves then keep
#   jumping: with a constant step, each update chases the last sample, and
#   the curves record the weights as they met the samples, not their average,
#   which is what the neuron reports.
# * On the full batch each entry belongs to the weights one solver iteration
#   reached. The sigmoid rule's log-loss falls at every iteration (L-BFGS with
#   a line search), to a lower value than online in fewer entries: it stops
#   when the gradient is at most ``tol``.
# * The perceptron rule's criterion does not fall steadily either way: on
#   data that no hyperplane separates it keeps cycling. It stops after a few
#   epochs without fewer mistakes and returns the weights with the fewest
#   (the "pocket"), which is why its training accuracy can beat its last
#   epoch.

"""
======================================
Choosing the parameters by grid search
======================================

:class:`~sklearn_neuron.NeuronClassifier` is a scikit-learn estimator, so it
goes into a :class:`~sklearn.pipeline.Pipeline` and its parameters can be
tuned by cross-validation with
:class:`~sklearn.model_selection.GridSearchCV`. This example searches over
the learning rule, the strength of the L2 penalty ``alpha`` and the batch
size on scikit-learn's breast cancer data, then checks the chosen model on
data the search never saw.
"""

# %%
# The pipeline
# ------------
# The scaler is part of the pipeline, so that in each fold of the
# cross-validation it learns the feature scales from the training part only.
import matplotlib.pyplot as plt
import pandas as pd
from sklearn.datasets import load_breast_cancer
from sklearn.model_selection import GridSearchCV, StratifiedKFold, train_test_split
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_neuron import NeuronClassifier

X, y = load_breast_cancer(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(X, y, stratify=y, random_state=0)

pipeline = Pipeline([("scale", StandardScaler()), ("neuron", NeuronClassifier(random_state=0))])

# %%
# The grid
# --------
# A pipeline's parameters are named ``step__parameter``. ``alpha`` is best
# searched on a logarithmic scale. The batch sizes are online learning, a
# mini-batch of 32, and ``"auto"``, which here means the full batch.
param_grid = {
    "neuron__learning_rule": ["perceptron", "sigmoid"],
    "neuron__alpha": [1e-5, 1e-4, 1e-3, 1e-2, 1e-1],
    "neuron__batch_size": [1, 32, "auto"],
}
search = GridSearchCV(
    pipeline, param_grid, cv=StratifiedKFold(5, shuffle=True, random_state=0)
).fit(X_train, y_train)

print("best parameters:", search.best_params_)
print(f"best cross-validated accuracy: {search.best_score_:.3f}")
print(f"accuracy of the refitted best model on the test data: {search.score(X_test, y_test):.3f}")

# %%
# The ten best candidates
# -----------------------
# ``cv_results_`` holds the score of every candidate in every fold.
results = pd.DataFrame(search.cv_results_)
columns = {
    "param_neuron__learning_rule": "learning_rule",
    "param_neuron__alpha": "alpha",
    "param_neuron__batch_size": "batch_size",
    "mean_test_score": "mean accuracy",
    "std_test_score": "std",
    "mean_fit_time": "fit time [s]",
}
table = results[list(columns)].rename(columns=columns)
table["batch_size"] = table["batch_size"].astype(str)
table["alpha"] = table["alpha"].astype(float)
table.sort_values("mean accuracy", ascending=False).head(10).round(
    {"mean accuracy": 4, "std": 4, "fit time [s]": 4}
)

# %%
# Scores across the grid
# ----------------------
# One panel per learning rule, one line per batch size. The error bars are
# the standard deviation of the accuracy over the five folds.
fig, axes = plt.subplots(1, 2, figsize=(11, 4.5), sharey=True, layout="constrained")
for ax, rule in zip(axes, param_grid["neuron__learning_rule"], strict=True):
    # each batch size shifted a little sideways, so that the error bars do not hide each other
    for batch_size, shift in [("1", 0.85), ("32", 1.0), ("auto", 1.18)]:
        rows = table[(table["learning_rule"] == rule) & (table["batch_size"] == batch_size)]
        rows = rows.sort_values("alpha")
        ax.errorbar(
            shift * rows["alpha"], rows["mean accuracy"], yerr=rows["std"],
            marker="o", capsize=3, label=f"batch_size={batch_size}",
        )  # fmt: skip
    ax.set_xscale("log")
    ax.set_xlabel("alpha")
    ax.set_title(f'learning_rule="{rule}"')
axes[0].set_ylabel("cross-validated accuracy")
axes[0].legend(loc="lower left")
plt.show()

# %%
# Up to ``alpha=0.01``, every setting scores within about a point of the
# others: on standardised data the neuron is not fragile. The strongest
# penalty, ``alpha=0.1``, costs accuracy in most settings, most of all for
# the online perceptron: it keeps the weights too small to fit the data. The
# differences between neighbouring settings are smaller than their spread
# over the folds, so the "best" parameters win by a small and uncertain
# margin; the accuracy on the held-out test data is the honest estimate of
# how well the chosen model does.

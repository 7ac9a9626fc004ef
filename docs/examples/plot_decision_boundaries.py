"""
===================
Decision boundaries
===================

A single neuron draws a straight boundary: the line where its net input
:math:`z = w \\cdot x + b` is zero. With several classes there is one neuron
per class, and each point goes to the class whose neuron has the largest net
input; the boundaries are then straight pieces where two neurons tie.

Here both learning rules learn two-dimensional data, first with two classes,
then with three, and :class:`~sklearn.inspection.DecisionBoundaryDisplay`
colours the plane by the class the neuron predicts.
"""

# %%
# Two data sets
# -------------
# Two overlapping clouds for two classes, and the petal length and width of
# scikit-learn's iris flowers for three. The features are standardised
# inside a pipeline, as a neuron learns best from features on similar scales.
import matplotlib.pyplot as plt
from matplotlib.colors import ListedColormap
from sklearn.datasets import load_iris, make_blobs
from sklearn.inspection import DecisionBoundaryDisplay
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_neuron import NeuronClassifier

X_two, y_two = make_blobs(n_samples=200, centers=2, cluster_std=1.8, random_state=3)
iris = load_iris()
X_three, y_three = iris.data[:, 2:], iris.target
data = {
    "two classes": (X_two, y_two, ["$x_1$", "$x_2$"]),
    "three classes (iris)": (X_three, y_three, iris.feature_names[2:]),
}

# %%
# Both rules on both data sets
# ----------------------------
# Rows are data sets, columns learning rules. The shading is the predicted
# class; the points are the training data, coloured by their true class.
rules = ["perceptron", "sigmoid"]
# pale shades of the points' colours, class by class
point_colors = ["tab:orange", "tab:blue", "tab:green"]
region_colors = ["#fbd5b0", "#b9d4ee", "#bfe5bf"]
fig, axes = plt.subplots(2, 2, figsize=(10, 9), layout="constrained")
for row, (data_name, (X, y, feature_names)) in zip(axes, data.items(), strict=True):
    for ax, rule in zip(row, rules, strict=True):
        model = make_pipeline(
            StandardScaler(), NeuronClassifier(learning_rule=rule, random_state=0)
        ).fit(X, y)
        n_classes = len(model.classes_)
        # DecisionBoundaryDisplay takes a colour map for two classes and a
        # list of colours for more.
        colors = (
            {"cmap": ListedColormap(region_colors[:2])}
            if n_classes == 2
            else {"multiclass_colors": region_colors}
        )
        DecisionBoundaryDisplay.from_estimator(
            model,
            X,
            response_method="predict",
            plot_method="pcolormesh",
            grid_resolution=200,
            xlabel=feature_names[0],
            ylabel=feature_names[1],
            ax=ax,
            **colors,
        )
        ax.scatter(
            X[:, 0], X[:, 1], c=y, cmap=ListedColormap(point_colors[:n_classes]),
            edgecolor="k", s=25,
        )  # fmt: skip
        ax.set_title(
            f'{data_name}, learning_rule="{rule}"\n'
            f"training accuracy {model.score(X, y):.2f}, {model[-1].n_iter_} epochs"
        )
plt.show()

# %%
# The two rules draw similar boundaries. The perceptron rule moves its line
# only for the points it gets wrong, and keeps the weights of the epoch with
# the fewest training mistakes; the sigmoid rule places it where the
# log-loss is smallest, which weighs every point, not only the misclassified
# ones. Where the
# classes overlap, no straight line gets every point right.
#
# With three classes, each region is where one neuron's net input is the
# largest. The neurons' weights are the rows of ``coef_``:
model = make_pipeline(StandardScaler(), NeuronClassifier(random_state=0)).fit(X_three, y_three)
print("coef_ (one row per class):\n", model[-1].coef_.round(2))
print("intercept_:", model[-1].intercept_.round(2))

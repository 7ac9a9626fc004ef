"""The command line's ``--plot``: learning curves and decision boundaries.

matplotlib is optional (the ``plot`` extra). Everything that could make the
picture fail is checked by :func:`check_destination` before any training, so
that a long run does not end in an error.
"""

import os
from pathlib import Path

import numpy as np

from ._csv_input import InputError
from ._neuron import NeuronClassifier

# Points drawn in a decision-boundary panel: more hide each other and the regions.
MAX_POINTS = 5000


def check_destination(path):
    """Refuse a picture that could not be saved: no matplotlib, no folder, an unknown format."""
    try:
        import matplotlib
    except ImportError:
        raise InputError(
            "--plot draws with matplotlib, which is not installed: "
            "pip install 'sklearn-neuron[plot]' (or pip install matplotlib)"
        ) from None
    from matplotlib.figure import Figure

    path = Path(path)
    folder = path.parent
    if not folder.is_dir():
        raise InputError(
            f"--plot {path}: the folder {folder} does not exist; create it or choose another path"
        )
    if not os.access(folder, os.W_OK):
        raise InputError(f"--plot {path}: the folder {folder} is not writable")
    formats = Figure().canvas.get_supported_filetypes()
    suffix = path.suffix.lower().lstrip(".")
    if suffix not in formats:
        raise InputError(
            f"--plot {path}: give the file one of matplotlib's formats as its suffix "
            f"({', '.join('.' + name for name in sorted(formats))}), e.g. neuron.png"
        )
    del matplotlib


def plot(path, X, y, rules, feature_names):
    """Each rule's mistakes and loss per online epoch, and its decision regions.

    The regions are drawn over the two features when there are two, over the
    first two principal components when there are more, and along the one
    feature (classes stacked) when there is one.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator
    from sklearn.decomposition import PCA

    X = X.toarray() if hasattr(X, "toarray") else np.asarray(X, dtype=float)
    if X.shape[1] > 2:
        X_plane = PCA(n_components=2).fit_transform(X)
        axis_names = ["first principal component", "second principal component"]
    else:
        X_plane = X
        axis_names = [f"{name} (as the models see it)" for name in feature_names]
    shown = np.random.default_rng(0).permutation(len(y))[:MAX_POINTS]

    figure, axes = plt.subplots(2, len(rules), figsize=(5.5 * len(rules), 9), squeeze=False)
    for column, rule in enumerate(rules):
        neuron = NeuronClassifier(learning_rule=rule, batch_size=1, random_state=0).fit(X, y)
        curves = axes[0, column]
        epochs = range(1, neuron.n_iter_ + 1)
        curves.plot(epochs, neuron.mistakes_curve_, "o-", label="mistakes")
        curves.set_xlabel("epoch (online, one sample at a time)")
        curves.set_ylabel("mistakes in the epoch")
        curves.xaxis.set_major_locator(MaxNLocator(integer=True))
        curves.yaxis.set_major_locator(MaxNLocator(integer=True))
        loss = curves.twinx()
        loss.plot(epochs, neuron.loss_curve_, "s--", color="C1")
        loss.set_ylabel("loss", color="C1")
        curves.set_title(f"learning_rule={rule!r}")

        neuron_plane = NeuronClassifier(learning_rule=rule).fit(X_plane, y)
        draw_regions(axes[1, column], neuron_plane, X_plane[shown], y[shown], axis_names)
    figure.tight_layout()
    figure.savefig(path, dpi=90)
    plt.close(figure)


def draw_regions(axes, neuron, X, y, axis_names):
    """The neuron's predicted class over the plane (or the line) of X, and X's points on it."""
    classes = neuron.classes_
    codes = np.searchsorted(classes, y)
    levels = np.arange(len(classes) + 1) - 0.5
    span = [np.linspace(v.min() - 1, v.max() + 1, 300) for v in X.T]
    if X.shape[1] == 1:
        # One feature: the regions are intervals of it; each class gets its own row.
        predicted = np.searchsorted(classes, neuron.predict(span[0][:, None]))
        grid = np.meshgrid(span[0], levels[[0, -1]])
        regions = np.tile(predicted, (2, 1))
        jitter = np.random.default_rng(0).uniform(-0.2, 0.2, len(codes))
        points = np.column_stack([X[:, 0], codes + jitter])
        axes.set_yticks(range(len(classes)), [str(label) for label in classes])
        axes.set_ylabel("class (points spread vertically)")
    else:
        grid = np.meshgrid(*span)
        plane = np.column_stack([g.ravel() for g in grid])
        regions = np.searchsorted(classes, neuron.predict(plane)).reshape(grid[0].shape)
        points = X
        axes.set_ylabel(axis_names[1])
    axes.contourf(*grid, regions, levels=levels, alpha=0.3, cmap="coolwarm")
    scatter = axes.scatter(
        *points.T, c=codes, s=12, edgecolors="k", cmap="coolwarm", vmin=0, vmax=levels[-1] - 0.5
    )
    handles, _ = scatter.legend_elements()
    axes.legend(handles, [str(label) for label in classes], title="class", fontsize="small")
    axes.set_xlabel(axis_names[0])

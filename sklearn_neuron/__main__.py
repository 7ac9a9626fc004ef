"""``python -m sklearn_neuron``: both learning rules on scikit-learn's breast cancer data.

Cross-validates the neuron's two learning rules next to scikit-learn's
``Perceptron`` and ``LogisticRegression`` in a ``StandardScaler`` pipeline,
prints accuracy, log-loss and fit time, then the perceptron rule's mistakes
epoch by epoch.
"""

import argparse
import warnings

import numpy as np
from sklearn.datasets import load_breast_cancer
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression, Perceptron
from sklearn.model_selection import StratifiedKFold, cross_validate
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_neuron import NeuronClassifier


def compare(X, y, folds=5):
    """Rows of (name, accuracy, log-loss or None, fit seconds), cross-validated."""
    models = {
        "NeuronClassifier(learning_rule='sigmoid')": NeuronClassifier(learning_rule="sigmoid"),
        "NeuronClassifier(learning_rule='perceptron')": NeuronClassifier(
            learning_rule="perceptron"
        ),
        "LogisticRegression()": LogisticRegression(),
        "Perceptron()": Perceptron(),
    }
    cv = StratifiedKFold(folds, shuffle=True, random_state=0)
    rows = []
    for name, model in models.items():
        has_proba = hasattr(model, "predict_proba")
        scoring = ["accuracy", "neg_log_loss"] if has_proba else ["accuracy"]
        scores = cross_validate(
            make_pipeline(StandardScaler(), model), X, y, cv=cv, scoring=scoring
        )
        log_loss = -scores["test_neg_log_loss"].mean() if has_proba else None
        rows.append((name, scores["test_accuracy"].mean(), log_loss, scores["fit_time"].mean()))
    return rows


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m sklearn_neuron",
        description="Train one artificial neuron by both learning rules on scikit-learn's "
        "breast cancer data and compare it with scikit-learn's linear classifiers.",
    )
    parser.parse_args(argv)
    warnings.filterwarnings("ignore", category=ConvergenceWarning)

    X, y = load_breast_cancer(return_X_y=True)
    print(f"Breast cancer data: {X.shape[0]} samples, {X.shape[1]} features, 2 classes")
    print("5-fold cross-validation, features standardised\n")
    print(f"{'model':<46}{'accuracy':>10}{'log-loss':>10}{'fit [ms]':>10}")
    for name, accuracy, log_loss, fit_time in compare(X, y):
        shown = f"{log_loss:10.4f}" if log_loss is not None else f"{'-':>10}"
        print(f"{name:<46}{accuracy:10.4f}{shown}{1000 * fit_time:10.1f}")

    neuron = NeuronClassifier(learning_rule="perceptron", batch_size=1, random_state=0)
    neuron.fit(StandardScaler().fit_transform(X), y)
    print("\nThe perceptron rule online, one sample at a time: mistakes per epoch")
    print(" ".join(str(mistakes) for mistakes in neuron.mistakes_curve_))
    print(f"({neuron.n_iter_} epochs; fewest mistakes {np.min(neuron.mistakes_curve_)})")


if __name__ == "__main__":
    main()

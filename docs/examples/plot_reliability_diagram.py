"""
=========================================
How far can the probabilities be trusted?
=========================================

A classifier's probabilities are *calibrated* when, among the samples it gives
a probability of 0.8, about 80 % belong to the class. A reliability diagram
checks this: it sorts held-out samples by their predicted probability into
bins, and plots the fraction that is really positive against the mean
predicted probability of each bin. A calibrated model lies on the diagonal.

:class:`~sklearn_neuron.NeuronClassifier` gives probabilities with both
learning rules: the sigmoid rule is trained for them, and the perceptron rule
rescales its net input by a temperature fitted on the training data (see the
:doc:`user guide </user_guide>`). Here both are compared with scikit-learn's
answer for a perceptron, ``CalibratedClassifierCV(Perceptron(),
method="sigmoid", cv=5)``, which refits the perceptron on five folds and
fits Platt's sigmoid on the held-out parts.
"""

# %%
# Data and models
# ---------------
# The breast cancer data, and synthetic data in which 20 % of the labels are
# flipped at random, so that no model can be sure of many samples.
import matplotlib.pyplot as plt
import pandas as pd
from sklearn.calibration import CalibratedClassifierCV, CalibrationDisplay
from sklearn.datasets import load_breast_cancer, make_classification
from sklearn.linear_model import Perceptron
from sklearn.metrics import brier_score_loss, log_loss
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_neuron import NeuronClassifier

data = {
    "breast cancer": load_breast_cancer(return_X_y=True),
    "noisy synthetic data": make_classification(
        n_samples=3000, n_features=20, n_informative=8, flip_y=0.2, random_state=0
    ),
}


def models():
    return {
        'NeuronClassifier("perceptron")': NeuronClassifier(
            learning_rule="perceptron", random_state=0
        ),
        "CalibratedClassifierCV(Perceptron())": CalibratedClassifierCV(
            Perceptron(random_state=0), method="sigmoid", cv=5
        ),
        'NeuronClassifier("sigmoid")': NeuronClassifier(learning_rule="sigmoid", random_state=0),
    }


# %%
# Reliability diagrams
# --------------------
# Each model is fitted, in the same scaling pipeline, on three quarters of the
# data and judged on the last quarter. The bins hold equal numbers of
# samples (``strategy="quantile"``).
fig, axes = plt.subplots(1, 2, figsize=(12, 5.5), layout="constrained")
scores = []
for ax, (data_name, (X, y)) in zip(axes, data.items(), strict=True):
    X_train, X_test, y_train, y_test = train_test_split(X, y, stratify=y, random_state=0)
    for model_name, model in models().items():
        pipeline = make_pipeline(StandardScaler(), model).fit(X_train, y_train)
        CalibrationDisplay.from_estimator(
            pipeline, X_test, y_test, n_bins=8, strategy="quantile", name=model_name, ax=ax
        )
        proba = pipeline.predict_proba(X_test)[:, 1]
        scores.append(
            {
                "data": data_name,
                "model": model_name,
                "log-loss": log_loss(y_test, proba),
                "Brier score": brier_score_loss(y_test, proba),
            }
        )
    ax.set_title(data_name)
    ax.legend(loc="upper left")
plt.show()

# %%
# Scores
# ------
# The log-loss and the Brier score (the mean squared error of the
# probability) sum up calibration and sharpness in one number; lower is
# better for both.
pd.DataFrame(scores).set_index(["data", "model"]).round(4)

# %%
# On the breast cancer data both rules of the neuron follow the diagonal
# closely, while the cross-validated perceptron strays further from it, with
# a higher log-loss and about the same Brier score. On the noisy data the
# three curves bend alike: below the diagonal on the left and above it on the
# right of the middle, the models are less sure than they could be, while in
# the last bin they are too sure, since the randomly assigned labels leave
# about one sample in ten of the other class even where the classes are well
# apart. That comes from the data and the straight boundary, and neither a
# temperature nor Platt's scaling changes it. On both data sets the
# temperature gives the perceptron rule a lower log-loss than the
# cross-validated calibration, and a Brier score about as low or lower, from
# one fit instead of six; the sigmoid rule, trained by the log-loss itself,
# scores best. The :doc:`benchmarks page
# </benchmarks>` compares the three on more data sets.

"""
===============================
Streaming data with partial_fit
===============================

When the training data do not fit in memory, or arrive over time, the neuron
can learn from them chunk by chunk with
:meth:`~sklearn_neuron.NeuronClassifier.partial_fit`: each call makes one
online pass over the chunk it is given and keeps the weights for the next.

Here a stream of chunks of 500 samples goes through ``partial_fit``, and after
each chunk we score the neuron on held-out data. A plain ``fit`` on all the
training data at once is the reference.
"""

# %%
# A stream of chunks
# ------------------
# Synthetic data with 20 features, already on comparable scales. In a real
# stream the scaling would have to be fixed in advance, or learned
# incrementally with ``StandardScaler.partial_fit``.
import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import make_classification
from sklearn.model_selection import train_test_split

from sklearn_neuron import NeuronClassifier

X, y = make_classification(
    n_samples=20_000,
    n_features=20,
    n_informative=10,
    n_clusters_per_class=1,
    class_sep=0.7,
    flip_y=0.05,
    random_state=0,
)
X_stream, X_test, y_stream, y_test = train_test_split(X, y, test_size=4_000, random_state=0)
chunk_size = 500
chunks = [
    (X_stream[start : start + chunk_size], y_stream[start : start + chunk_size])
    for start in range(0, len(X_stream), chunk_size)
]
print(f"{len(chunks)} chunks of {chunk_size} samples; {len(X_test)} test samples")

# %%
# Learning chunk by chunk
# -----------------------
# The first call must name every class the stream will contain, since one
# chunk may not show them all. Each call is one epoch: ``n_iter_`` counts
# the chunks, and ``mistakes_curve_`` has one entry per chunk.
rules = ["perceptron", "sigmoid"]
accuracy = {}
for rule in rules:
    neuron = NeuronClassifier(learning_rule=rule, random_state=0)
    accuracy[rule] = []
    for X_chunk, y_chunk in chunks:
        neuron.partial_fit(X_chunk, y_chunk, classes=[0, 1])
        accuracy[rule].append(neuron.score(X_test, y_test))
    print(f"{rule:<11}after {neuron.n_iter_} chunks: test accuracy {accuracy[rule][-1]:.3f}")

# %%
# The reference: ``fit`` on everything
# ------------------------------------
# ``fit`` sees all 16,000 training samples at once and may pass over them
# many times (on the full batch, by default).
full_fit = {
    rule: NeuronClassifier(learning_rule=rule, random_state=0).fit(X_stream, y_stream)
    for rule in rules
}
for rule, neuron in full_fit.items():
    print(
        f"{rule:<11}fit: test accuracy {neuron.score(X_test, y_test):.3f}, {neuron.n_iter_} epochs"
    )

# %%
# Test accuracy after each chunk
# ------------------------------
seen = chunk_size * np.arange(1, len(chunks) + 1)
fig, ax = plt.subplots(figsize=(8, 4.5), layout="constrained")
for rule, color in zip(rules, ["tab:orange", "tab:blue"], strict=True):
    ax.plot(seen, accuracy[rule], "o-", ms=3, color=color, label=f'partial_fit, "{rule}"')
    ax.axhline(full_fit[rule].score(X_test, y_test), color=color, ls="--", label=f'fit, "{rule}"')
ax.set_xlabel("training samples seen")
ax.set_ylabel("test accuracy")
ax.set_title("Learning from a stream, one chunk at a time")
ax.legend(loc="lower right")
plt.show()

# %%
# After a few chunks, the streamed neuron is about as accurate as the one
# fitted on everything, although it met each sample only once. With the
# default ``learning_rate="auto"`` and ``average="auto"``, ``partial_fit``
# reports the average of the weights over all its updates, which damps the
# jumps that single online steps cause; the step itself is chosen on the first
# chunk and kept for the whole stream.

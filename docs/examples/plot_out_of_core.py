"""
==========================================
Larger than memory: a memory map in chunks
==========================================

A data set larger than memory can still train the neuron: keep it on disk as
a :class:`numpy.memmap`, read one chunk of rows at a time, and pass it to
:meth:`~sklearn_neuron.NeuronClassifier.partial_fit`. Only the chunk being
learned from is in memory; the operating system pages the rest in and out.

The same loop works for a CSV file read with ``pandas.read_csv(path,
chunksize=...)``, or for any source that yields chunks of rows.
"""

# %%
# A data set on disk
# ------------------
# We write 60,000 samples of 30 features to a file as raw float64, the way a
# larger-than-memory data set would already sit on disk, and the labels
# beside it.
import tempfile
import tracemalloc
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import make_classification

from sklearn_neuron import NeuronClassifier

X, y = make_classification(
    n_samples=70_000, n_features=30, n_informative=12, n_classes=3, flip_y=0.05, random_state=0
)
X_test, y_test = X[60_000:], y[60_000:]
folder = Path(tempfile.mkdtemp())
on_disk = np.memmap(folder / "features.f64", dtype=np.float64, mode="w+", shape=(60_000, 30))
on_disk[:] = X[:60_000]
on_disk.flush()
np.save(folder / "labels.npy", y[:60_000])
del on_disk, X, y
print(f"{(folder / 'features.f64').stat().st_size / 2**20:.1f} MB on disk")

# %%
# Streaming the chunks
# --------------------
# ``mode="r"`` maps the file read-only; slicing rows gives a view whose pages
# are read from disk when the neuron reads them. The first call to
# ``partial_fit`` names every class. We pass over the file three times, as
# three epochs.
features = np.memmap(folder / "features.f64", dtype=np.float64, mode="r", shape=(60_000, 30))
labels = np.load(folder / "labels.npy", mmap_mode="r")
chunk_rows = 5_000

neuron = NeuronClassifier(random_state=0)
accuracy = []
tracemalloc.start()
for _ in range(3):
    for start in range(0, len(labels), chunk_rows):
        rows = slice(start, start + chunk_rows)
        neuron.partial_fit(features[rows], labels[rows], classes=[0, 1, 2])
        accuracy.append(neuron.score(X_test, y_test))
peak = tracemalloc.get_traced_memory()[1]
tracemalloc.stop()
print(f"{neuron.n_iter_} chunks learned; test accuracy {accuracy[-1]:.3f}")
print(f"peak memory allocated while streaming: {peak / 2**20:.2f} MB")

# %%
# Test accuracy chunk by chunk
# ----------------------------
# Accuracy rises within the first pass and settles in the next ones: the
# averaged weights (``average="auto"``) smooth out the noise of single steps.
chunks_per_pass = len(labels) // chunk_rows
fig, ax = plt.subplots(figsize=(7, 4))
ax.plot(np.arange(1, len(accuracy) + 1), accuracy, marker="o", markersize=3)
for boundary in range(chunks_per_pass, len(accuracy), chunks_per_pass):
    ax.axvline(boundary + 0.5, color="grey", linestyle=":")
ax.set_xlabel(f"chunks of {chunk_rows} rows learned (dotted lines: a new pass over the file)")
ax.set_ylabel("test accuracy")
ax.set_title("Streaming a memory-mapped file through partial_fit")
fig.tight_layout()
plt.show()

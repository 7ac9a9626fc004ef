"""Out of core without Dask: streaming a memory map or a CSV file through partial_fit.

This is the pattern the user guide shows: read a chunk, learn from it, drop it.
"""

import numpy as np
import pytest
from sklearn.datasets import make_classification

from benchmarks.speed import peak_memory  # the benchmark's own measure of memory
from sklearn_neuron import NeuronClassifier

CHUNK = 5_000
CLASSES = [0, 1, 2]


@pytest.fixture(scope="module")
def data():
    X, y = make_classification(
        40_000, 25, n_informative=10, n_classes=3, flip_y=0.05, random_state=0
    )
    return X, y


def stream(model, chunks):
    for X_chunk, y_chunk in chunks:
        model.partial_fit(X_chunk, y_chunk, classes=CLASSES)
    return model


def in_memory_chunks(X, y):
    for start in range(0, len(y), CHUNK):
        yield X[start : start + CHUNK], y[start : start + CHUNK]


@pytest.mark.parametrize("learning_rule", ["sigmoid", "perceptron"])
def test_streaming_a_memory_map_reads_chunks_without_loading_the_file(
    tmp_path, data, learning_rule
):
    X, y = data
    path = tmp_path / "features.f64"
    on_disk = np.memmap(path, dtype=np.float64, mode="w+", shape=X.shape)
    on_disk[:] = X
    on_disk.flush()
    del on_disk

    X_mapped = np.memmap(path, dtype=np.float64, mode="r", shape=X.shape)
    params = dict(learning_rule=learning_rule, random_state=0)
    reference = stream(NeuronClassifier(**params), in_memory_chunks(X, y))

    model = NeuronClassifier(**params)
    peak = peak_memory(lambda: stream(model, in_memory_chunks(X_mapped, y)))
    np.testing.assert_array_equal(model.coef_, reference.coef_)
    assert model.n_iter_ == len(y) // CHUNK
    assert peak < X.nbytes / 4  # one chunk's worth of work, not the file


def test_streaming_a_csv_file_in_chunks(tmp_path, data):
    pandas = pytest.importorskip("pandas", reason="reads the CSV in chunks")
    X, y = data
    path = tmp_path / "data.csv"
    header = ",".join([f"x{i}" for i in range(X.shape[1])] + ["label"])
    np.savetxt(
        path, np.column_stack([X, y]), delimiter=",", header=header, comments="", fmt="%.17g"
    )

    # read back to the bit: before pandas 3 the default parser may be one unit
    # off; from 3 on it is exact, and the option is deprecated
    exact = {} if int(pandas.__version__.split(".")[0]) >= 3 else {"float_precision": "round_trip"}
    chunks = (
        (chunk.drop(columns="label").to_numpy(), chunk["label"].to_numpy().astype(int))
        for chunk in pandas.read_csv(path, chunksize=CHUNK, **exact)
    )
    from_csv = stream(NeuronClassifier(random_state=0), chunks)
    reference = stream(NeuronClassifier(random_state=0), in_memory_chunks(X, y))
    np.testing.assert_array_equal(from_csv.coef_, reference.coef_)
    assert from_csv.score(X, y) > 0.6

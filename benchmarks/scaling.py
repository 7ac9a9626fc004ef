"""What scales how: streaming chunks sequentially, searching parameters in parallel.

Two kinds of work, each measured here on one machine (medians of ``--repeats``):

* streaming: 40 chunks of a 200,000 × 50 data set through ``partial_fit``, by a
  plain loop in this process and by dask-ml's ``Incremental`` on a local Dask
  cluster of 2 worker processes (the chunks are a dask array);
* searching: ``GridSearchCV`` over 8 candidates × 3 folds on 100,000 samples,
  with ``n_jobs=1``, with ``n_jobs=2`` on joblib's default (loky) backend and
  on its threading backend (the training loop releases the GIL), and with
  ``n_jobs=-1`` on joblib's dask backend over the same cluster.

Needs the ``distributed`` extra.

    python benchmarks/scaling.py [--repeats 3]
"""

import argparse
import os
import time
import warnings

import numpy as np
from sklearn.datasets import make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.preprocessing import StandardScaler

from sklearn_neuron import NeuronClassifier

N_CHUNKS = 40
GRID = {"learning_rule": ["sigmoid", "perceptron"], "alpha": [1e-5, 1e-4, 1e-3, 1e-2]}


def median_seconds(function, repeats):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - start)
    return float(np.median(times)), result


def stream_in_a_loop(X, y):
    model = NeuronClassifier(random_state=0)
    for X_chunk, y_chunk in zip(
        np.array_split(X, N_CHUNKS), np.array_split(y, N_CHUNKS), strict=True
    ):
        model.partial_fit(X_chunk, y_chunk, classes=[0, 1, 2])
    return model


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    warnings.filterwarnings("ignore", category=ConvergenceWarning)

    import dask.array as da
    import joblib
    from dask_ml.wrappers import Incremental
    from distributed import Client, LocalCluster

    X, y = make_classification(
        200_000, 50, n_informative=20, n_classes=3, flip_y=0.05, random_state=0
    )
    X = StandardScaler().fit_transform(X)
    X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)
    rows = []
    with (
        LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=None) as cluster,
        Client(cluster),
    ):
        stream_in_a_loop(X_train[:1000], y_train[:1000])  # compile before timing
        seconds, model = median_seconds(lambda: stream_in_a_loop(X_train, y_train), args.repeats)
        rows.append(
            ("streaming", "partial_fit loop, 1 process", seconds, model.score(X_test, y_test))
        )

        chunk_rows = -(-len(y_train) // N_CHUNKS)
        X_chunks = da.from_array(X_train, chunks=(chunk_rows, X.shape[1])).persist()
        y_chunks = da.from_array(y_train, chunks=chunk_rows).persist()

        seeds = iter(range(1_000))

        def incremental():
            # a new seed each run: Dask would otherwise reuse the last run's result
            model = NeuronClassifier(random_state=next(seeds))
            wrapped = Incremental(model, shuffle_blocks=False)
            return wrapped.fit(X_chunks, y_chunks, classes=[0, 1, 2])

        incremental()  # compile on the workers before timing
        seconds, wrapped = median_seconds(incremental, args.repeats)
        accuracy = wrapped.estimator_.score(X_test, y_test)
        rows.append(("streaming", "dask-ml Incremental, 2 workers", seconds, accuracy))

        X_search, y_search = X_train[:100_000], y_train[:100_000]
        searches = {
            "GridSearchCV n_jobs=1": dict(n_jobs=1, backend=None),
            "GridSearchCV n_jobs=2, loky": dict(n_jobs=2, backend="loky"),
            "GridSearchCV n_jobs=2, threading": dict(n_jobs=2, backend="threading"),
            "GridSearchCV n_jobs=-1, dask": dict(n_jobs=-1, backend="dask"),
        }
        for name, setting in searches.items():

            def search(setting=setting):
                grid = GridSearchCV(
                    NeuronClassifier(random_state=0), GRID, cv=3, n_jobs=setting["n_jobs"]
                )
                if setting["backend"] is None:
                    return grid.fit(X_search, y_search)
                with joblib.parallel_config(backend=setting["backend"]):
                    return grid.fit(X_search, y_search)

            search()  # warm-up: starts the pools, compiles in every process
            seconds, grid = median_seconds(search, args.repeats)
            rows.append(("searching", name, seconds, grid.score(X_test, y_test)))

    print(f"{os.cpu_count()} cores; medians of {args.repeats} runs")
    print(f"{'work':<11}{'how':<34}{'seconds':>9}{'test accuracy':>15}")
    for work, how, seconds, accuracy in rows:
        print(f"{work:<11}{how:<34}{seconds:9.2f}{accuracy:15.4f}")


if __name__ == "__main__":
    main()

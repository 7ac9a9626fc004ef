"""On Dask: streaming through dask-ml's Incremental, grid search on joblib's dask backend.

The tests start a real ``distributed.LocalCluster`` with two worker processes.
"""

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.datasets import make_classification
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_neuron import NeuronClassifier

da = pytest.importorskip("dask.array", reason="needs the 'distributed' extra")
distributed = pytest.importorskip("distributed", reason="needs the 'distributed' extra")
wrappers = pytest.importorskip("dask_ml.wrappers", reason="needs the 'distributed' extra")
joblib = pytest.importorskip("joblib")

RULES = ["sigmoid", "perceptron"]


@pytest.fixture(scope="module")
def client():
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        yield client


@pytest.fixture(scope="module")
def data():
    X, y = make_classification(
        20_000, 20, n_informative=10, n_classes=3, flip_y=0.05, random_state=0
    )
    X = StandardScaler().fit_transform(X)
    return train_test_split(X, y, random_state=0)


@pytest.mark.parametrize("learning_rule", RULES)
def test_incremental_streams_dask_chunks_through_partial_fit(client, data, learning_rule):
    X_train, X_test, y_train, y_test = data
    in_memory = NeuronClassifier(learning_rule=learning_rule, random_state=0)
    in_memory.fit(X_train, y_train)

    chunks = da.from_array(X_train, chunks=(500, X_train.shape[1]))
    labels = da.from_array(y_train, chunks=500)
    assert chunks.numblocks[0] == 30
    incremental = wrappers.Incremental(
        NeuronClassifier(learning_rule=learning_rule, random_state=0), scoring="accuracy"
    )
    for _ in range(5):
        incremental.partial_fit(chunks, labels, classes=[0, 1, 2])
    predicted = incremental.predict(da.from_array(X_test, chunks=1000))
    assert isinstance(predicted, da.Array)
    accuracy = np.mean(predicted.compute() == y_test)
    assert accuracy >= in_memory.score(X_test, y_test) - 0.03


@pytest.mark.parametrize("learning_rule", RULES)
def test_incremental_takes_sparse_chunks(client, learning_rule):
    """Chunks of scipy.sparse CSR matrices give the dense result, to 1e-8."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(4000, 30))
    X[X < 0.8] = 0.0
    y = (X[:, :3].sum(axis=1) > 0.6).astype(int)
    dense = da.from_array(X, chunks=(500, 30))
    sparse = dense.map_blocks(sp.csr_matrix, dtype=X.dtype, meta=sp.csr_matrix((0, 0)))
    labels = da.from_array(y, chunks=500)
    params = dict(learning_rule=learning_rule, shuffle=False)
    from_dense = wrappers.Incremental(NeuronClassifier(**params), shuffle_blocks=False).fit(
        dense, labels, classes=[0, 1]
    )
    from_sparse = wrappers.Incremental(NeuronClassifier(**params), shuffle_blocks=False).fit(
        sparse, labels, classes=[0, 1]
    )
    np.testing.assert_allclose(
        from_sparse.estimator_.coef_, from_dense.estimator_.coef_, rtol=1e-8, atol=1e-10
    )


def test_grid_search_on_the_dask_backend_equals_the_default_backend(client, data):
    X_train, _, y_train, _ = data
    X_small, y_small = X_train[:3000], y_train[:3000]
    grid = {
        "neuronclassifier__learning_rule": RULES,
        "neuronclassifier__alpha": [1e-4, 1e-2],
    }
    pipeline = make_pipeline(StandardScaler(), NeuronClassifier(random_state=0))
    default = GridSearchCV(pipeline, grid, cv=3).fit(X_small, y_small)
    with joblib.parallel_config(backend="dask"):
        on_dask = GridSearchCV(pipeline, grid, cv=3, n_jobs=-1).fit(X_small, y_small)
    assert on_dask.best_params_ == default.best_params_
    np.testing.assert_allclose(
        on_dask.cv_results_["mean_test_score"], default.cv_results_["mean_test_score"]
    )


def fit_on_worker(X, y, learning_rule):
    model = NeuronClassifier(learning_rule=learning_rule, random_state=0).fit(X, y)
    return model, model.predict_proba(X)


def round_trip(model):
    return model


@pytest.mark.parametrize("learning_rule", RULES)
def test_models_travel_between_client_and_workers_unchanged(client, data, learning_rule):
    X_train, _, y_train, _ = data
    X_small, y_small = X_train[:2000], y_train[:2000]

    # fitted on a worker: on the client it predicts what it predicted there
    model, worker_proba = client.submit(fit_on_worker, X_small, y_small, learning_rule).result()
    np.testing.assert_array_equal(model.predict_proba(X_small), worker_proba)

    # to a worker and back: every fitted attribute bit for bit
    returned = client.submit(round_trip, model).result()
    for name in ["coef_", "intercept_", "classes_", "temperature_", "n_iter_", "loss_curve_"]:
        np.testing.assert_array_equal(getattr(returned, name), getattr(model, name))
    assert returned.get_params() == model.get_params()

    # and a local fit is the same model, up to the order of BLAS sums
    local, _ = fit_on_worker(X_small, y_small, learning_rule)
    np.testing.assert_allclose(model.coef_, local.coef_, rtol=1e-10, atol=1e-12)

"""One averaged, shuffled online epoch of the kernel alone against one pass of X @ coef_.T.

On the training parts (75 %) of ``speed.py``'s three large data sets, for
each rule: the compiled epoch (``_kernels.epoch``, ``batch_size=1``,
averaged), its shuffle included (``_training.shuffled``: interleaved blocks
of rows on these sizes), in row order and in a true permutation; and the
bare product ``X @ coef.T + b`` on one BLAS thread (the epoch runs on one
core) and on the default threads. ``--repeats`` rounds of each, side by side;
the ratios are the least epoch over the least product, so that a slow moment
of a shared machine does not count.

    python benchmarks/epoch_floor.py [--repeats 9]
"""

import argparse

import numpy as np
from sklearn.model_selection import train_test_split
from speed import data_sets, run_seconds  # run as a script: benchmarks/ is on the path
from threadpoolctl import threadpool_limits

from sklearn_neuron import _kernels
from sklearn_neuron._training import row_bytes, shuffled

NAMES = {0: "step", 1: "winner-takes-all", 2: "sigmoid", 3: "softmax"}


def measure(X, y, activation, repeats, rng):
    """Seconds of the shuffled epoch, and its ratios to the product (see the docstring)."""
    n_neurons = 1 if activation in (0, 2) else y.max() + 1
    n_samples, n_features = X.shape
    targets, weights = y.astype(np.intp), np.ones(n_samples)
    coef = np.random.RandomState(1).normal(size=(n_neurons, n_features)) * 1e-2
    intercept = np.zeros(n_neurons)
    sums = np.zeros_like(coef), np.zeros(n_neurons), np.zeros(1, dtype=np.int64)

    def epoch(order):
        _kernels.epoch(
            X, targets, weights, order, coef, intercept, activation, 1e-3, 1e-5, 1, True, *sums
        )

    def product():
        return X @ coef.T + intercept

    def one_thread_product():
        with threadpool_limits(1):
            return min(run_seconds(product, 3))

    permutation = rng.permutation(n_samples)
    runs = {
        "shuffled": lambda: run_seconds(
            lambda: epoch(shuffled(np.arange(n_samples), row_bytes(X), rng)), 1
        )[0],
        "in order": lambda: run_seconds(lambda: epoch(np.arange(n_samples)), 1)[0],
        "permuted": lambda: run_seconds(lambda: epoch(permutation), 1)[0],
        "product": one_thread_product,
        "threaded": lambda: min(run_seconds(product, 3)),
    }
    # Round after round, each of them once (the products three times): the
    # speed of a shared machine drifts, and every ratio compares the least
    # times of runs made side by side.
    least = dict.fromkeys(runs, np.inf)
    for _ in range(repeats):
        for name, seconds in runs.items():
            least[name] = min(least[name], seconds())
    epoch_seconds = least["shuffled"]
    return (
        epoch_seconds, epoch_seconds / least["product"], least["in order"] / least["product"],
        least["permuted"] / least["product"], epoch_seconds / least["threaded"],
    )  # fmt: skip


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=9)
    args = parser.parse_args()
    rng = np.random.RandomState(0)
    print(f"{'data':<16}{'activation':<18}{'epoch ms':>9}{'shuffled':>9}{'in order':>9}"
          f"{'permuted':>9}{'2 threads':>10}")  # fmt: skip
    for name, (X, y) in list(data_sets(False).items())[:3]:
        X, _, y, _ = train_test_split(X, y, random_state=0)
        for activation in (0, 2) if y.max() == 1 else (1, 3):
            seconds, *ratios = measure(X, y, activation, args.repeats, rng)
            print(
                f"{name:<16}{NAMES[activation]:<18}{seconds * 1e3:9.1f}"
                + "".join(f"{ratio:9.2f}" for ratio in ratios[:3])
                + f"{ratios[3]:10.2f}",
                flush=True,
            )
    print("ratios: the epoch over one product on one BLAS thread (shuffled as fit does, in row")
    print("order, a true permutation of the rows), and the shuffled epoch over the product on")
    print("the default threads")


if __name__ == "__main__":
    main()

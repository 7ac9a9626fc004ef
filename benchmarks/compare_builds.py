"""Fit times of two builds of the package side by side, each timed in fresh processes.

OLD_TREE and NEW_TREE are checkouts whose kernels are built in place (``python
setup.py build_ext --inplace``, or ``pip install -e .``). Each is loaded through
``PYTHONPATH`` in fresh processes (this script in a hidden worker mode) run from a
directory without a ``sklearn_neuron/`` folder; a process that loaded any of the
package from elsewhere stops the run, and a tree whose ``.pyx`` is newer than its
compiled module is refused (it would time the kernels of an earlier build).

Cases, all with ``random_state=0`` so that both sides train alike: both rules at
their defaults on benchmarks/speed.py's data sets (the training part of each) and
on benchmarks/full_batch.py's (whole, raw and standardised); speed.py's floor fits
on its three large sets, ``tol=None``, ``max_iter`` 3 and 6, online and full batch.
The data is made once by the benchmarks' own ``data_sets`` and cached in ``--data``
(remade when speed.py or full_batch.py changes): both sides fit the same arrays.

Each case: one untimed warm-up fit, then fits until at least 1.5 s and 3 fits; the
median. Each round runs a process of the old tree, then one of the new, with one
BLAS and OpenMP thread; per case the least of the per-round medians of each side.
Printed: old ms, new ms and new/old, the geometric mean and the largest of the
ratios, overall and per group of cases, and a flag on a tree whose package files
changed during the run; ``--json`` writes every round's medians.

    python benchmarks/compare_builds.py OLD_TREE NEW_TREE [--rounds 3] [--cases SUBSTR ...]
        [--data DIR] [--json FILE]
"""

import argparse
import hashlib
import json
import os
import pickle
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from importlib.machinery import EXTENSION_SUFFIXES
from itertools import product

HERE = os.path.dirname(os.path.abspath(__file__))
RULES = ["perceptron", "sigmoid"]
FLOOR_SETS = ["dense binary", "dense 5 classes", "sparse text"]  # as speed.main
MIN_SECONDS, MIN_FITS = 1.5, 3
# One thread for BLAS and OpenMP: the times of a thread pool follow the machine's other load
THREADS = dict.fromkeys(["OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"], "1")


def source_hash():
    """The data's recipe: a cache built by other versions of the benchmarks is rebuilt."""
    digest = hashlib.sha1()
    for name in ["speed.py", "full_batch.py"]:
        with open(os.path.join(HERE, name), "rb") as file:
            digest.update(file.read())
    return digest.hexdigest()[:12]


def read_json(path):
    with open(path) as file:
        return json.load(file)


def data_file(data, key):
    return os.path.join(data, key.replace(" ", "_").replace(",", "") + ".pickle")


def save(data, key, X, y):
    # pickled as they are: dense or CSR, their dtypes and memory layouts unchanged
    with open(data_file(data, key), "wb") as file:
        pickle.dump((X, y), file, protocol=pickle.HIGHEST_PROTOCOL)


def load(data, key):
    with open(data_file(data, key), "rb") as file:
        return pickle.load(file)


def build_data(data):
    """Cache the benchmarks' data sets, made by their own functions, as their main()s use them."""
    import full_batch  # this script's folder, benchmarks/, is first on the path
    import speed
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import StandardScaler

    manifest = {"source": source_hash(), "speed": [], "full_batch": []}
    for name, (X, y) in speed.data_sets(quick=False).items():
        X_train, _, y_train, _ = train_test_split(X, y, random_state=0)
        save(data, f"speed {name}", X_train, y_train)
        manifest["speed"].append(name)
    for name, (X, y) in full_batch.data_sets(quick=False).items():
        save(data, f"full_batch {name} raw", X, y)
        # standardised on the whole set, as full_batch.measure times it
        save(data, f"full_batch {name} std", StandardScaler().fit_transform(X), y)
        manifest["full_batch"].append(name)
    with open(os.path.join(data, "manifest.json"), "w") as file:
        json.dump(manifest, file)


def cases(manifest):
    """{case: (data key, estimator parameters)}; batch_size "online" or "full" until loaded."""
    out = {}
    for name, rule in product(manifest["speed"], RULES):
        out[f"speed | {name} | {rule}"] = (f"speed {name}", {"learning_rule": rule})
    for name, prep, rule in product(manifest["full_batch"], ["raw", "std"], RULES):
        key = f"full_batch {name} {prep}"
        out[f"full_batch | {name} {prep} | {rule}"] = (key, {"learning_rule": rule})
    floor_sets = [name for name in FLOOR_SETS if name in manifest["speed"]]
    for name, rule, mode, epochs in product(floor_sets, RULES, ["online", "full"], [3, 6]):
        params = {"learning_rule": rule, "batch_size": mode, "max_iter": epochs, "tol": None}
        out[f"floor | {name} | {rule} {mode} x{epochs}"] = (f"speed {name}", params)
    return out


def median_fit_seconds(estimator, X, y):
    estimator.fit(X, y)  # warm-up: the first fit's one-off costs are no build's speed
    times = []
    while len(times) < MIN_FITS or sum(times) < MIN_SECONDS:
        start = time.perf_counter()
        estimator.fit(X, y)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def worker(mode, data, *filters):
    """In a fresh process: build the data, or print the JSON of the fit times of the cases."""
    if mode == "data":
        return build_data(data)
    warnings.simplefilter("ignore")  # ConvergenceWarnings on raw data are not what is timed
    from sklearn_neuron import NeuronClassifier

    times, arrays = {}, {}
    for case, (key, params) in cases(read_json(os.path.join(data, "manifest.json"))).items():
        if filters and not any(f.lower() in case.lower() for f in filters):
            continue
        if key not in arrays:  # loaded once: the floor cases reuse the speed sets
            arrays[key] = load(data, key)
        X, y = arrays[key]
        if "batch_size" in params:
            params = {**params, "batch_size": 1 if params["batch_size"] == "online" else len(y)}
        try:
            times[case] = median_fit_seconds(NeuronClassifier(random_state=0, **params), X, y)
        except Exception as error:  # the other cases are still timed; this one reports null
            times[case] = None
            print(f"{case}: {type(error).__name__}: {error}", file=sys.stderr)
    modules = [m for name, m in sys.modules.items() if name.split(".")[0] == "sklearn_neuron"]
    files = [m.__file__ for m in modules if getattr(m, "__file__", None)]
    print(json.dumps({"modules": files, "times": times}))


def stale_kernels(tree):
    """The .pyx files of a tree without a compiled module for this Python, or newer than it."""
    package = os.path.join(tree, "sklearn_neuron")
    stale = []
    for pyx in sorted(name for name in os.listdir(package) if name.endswith(".pyx")):
        base = os.path.join(package, pyx[:-4])
        # the module this Python imports: the first of its suffixes that exists
        built = next((base + s for s in EXTENSION_SUFFIXES if os.path.exists(base + s)), None)
        if built is None or os.path.getmtime(built) < os.path.getmtime(base + ".pyx"):
            stale.append(pyx)
    return stale


def fingerprint(tree):
    """Sizes and times of the package's files: a tree edited or rebuilt during the run shows."""
    package = os.path.join(tree, "sklearn_neuron")
    files = sorted(f for f in os.listdir(package) if f.endswith((".py", ".pyx", ".so", ".pyd")))
    stats = [(f, os.stat(os.path.join(package, f))) for f in files]
    text = ";".join(f"{f}:{s.st_size}:{s.st_mtime_ns}" for f, s in stats)
    return hashlib.sha1(text.encode()).hexdigest()[:10]


def run_worker(tree, mode, data, filters=()):
    """This script's worker with ``tree`` first on the path: its JSON output, if any."""
    env = {**os.environ, "PYTHONPATH": tree, "PYTHONWARNINGS": "ignore", **THREADS}
    command = [sys.executable, os.path.abspath(__file__), "--worker", mode, data, *filters]
    # the data folder holds no sklearn_neuron/: PYTHONPATH alone decides which package loads
    done = subprocess.run(command, env=env, cwd=data, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"{tree}: the worker failed:\n{done.stderr[-3000:]}")
    if mode != "times":
        return None
    result = json.loads(done.stdout)
    package = os.path.realpath(os.path.join(tree, "sklearn_neuron"))
    strays = [f for f in result["modules"] if os.path.dirname(os.path.realpath(f)) != package]
    if strays or not result["modules"]:
        sys.exit(f"{tree}: loaded {strays or 'no sklearn_neuron'}, not {package}")
    return result["times"]


def summary(ratios, names):
    worst = max(names, key=ratios.get)
    geomean = statistics.geometric_mean([ratios[name] for name in names])
    return f"geometric mean {geomean:.3f}, max {ratios[worst]:.3f} ({worst})"


def report(rounds, n_rounds):
    """Per case the least of each side's per-round medians; their ratios, overall and by group."""

    def timed(side, case):
        return [times[case] for times in rounds[side] if times.get(case) is not None]

    listed = list(rounds["old"][0])
    failed = [c for c in listed if not timed("old", c) or not timed("new", c)]
    both = [c for c in listed if c not in failed]
    best = {side: {c: min(timed(side, c)) for c in both} for side in rounds}
    ratios = {c: best["new"][c] / best["old"][c] for c in both}
    width = max(len(c) for c in listed)
    print(f"{'case':<{width}}  {'old ms':>9}  {'new ms':>9}  {'new/old':>7}")
    for c in both:
        old, new = best["old"][c] * 1e3, best["new"][c] * 1e3
        print(f"{c:<{width}}  {old:9.2f}  {new:9.2f}  {ratios[c]:7.3f}")
    for c in failed:
        cells = [f"{min(t) * 1e3:9.2f}" if (t := timed(s, c)) else f"{'FAILED':>9}" for s in rounds]
        print(f"{c:<{width}}  " + "  ".join(cells))
    if partial := [c for c in both if any(len(timed(s, c)) < n_rounds for s in rounds)]:
        print("failed in some rounds (least of the others): " + "; ".join(partial))
    if not both:
        sys.exit("no case timed on both sides")
    print(f"\n{len(both)} cases, least of {n_rounds} per-round medians a side")
    print(f"new/old: {summary(ratios, both)}")
    for group in dict.fromkeys(c.split(" | ")[0] for c in both):
        names = [c for c in both if c.startswith(group + " |")]
        print(f"  {group} ({len(names)} cases): {summary(ratios, names)}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("old", metavar="OLD_TREE", help="checkout with its kernels built in place")
    parser.add_argument("new", metavar="NEW_TREE", help="checkout with its kernels built in place")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--cases", nargs="*", default=[], metavar="SUBSTR", help="keep cases naming one of these"
    )
    default_data = os.path.join(tempfile.gettempdir(), "sklearn_neuron_compare_builds")
    parser.add_argument("--data", default=default_data, help="the data cache (%(default)s)")
    parser.add_argument("--json", help="write the per-round results to this file")
    args = parser.parse_args()
    trees = {"old": os.path.abspath(args.old), "new": os.path.abspath(args.new)}
    data = os.path.abspath(args.data)

    for side, tree in trees.items():
        if not os.path.isfile(os.path.join(tree, "sklearn_neuron", "__init__.py")):
            sys.exit(f"{side}: {tree} holds no sklearn_neuron/")
        if stale := stale_kernels(tree):
            sys.exit(f"{side}: {', '.join(stale)} edited since last built, in {tree}")
    os.makedirs(data, exist_ok=True)
    manifest = os.path.join(data, "manifest.json")
    if not os.path.exists(manifest) or read_json(manifest)["source"] != source_hash():
        print(f"building the data in {data}", file=sys.stderr)
        run_worker(trees["old"], "data", data)

    start = time.time()
    rounds = {side: [] for side in trees}
    states = {side: [fingerprint(tree)] for side, tree in trees.items()}
    for r in range(args.rounds):
        for side, tree in trees.items():  # old then new, in fresh processes, every round
            rounds[side].append(run_worker(tree, "times", data, args.cases))
            states[side].append(fingerprint(tree))
            elapsed = time.time() - start
            print(f"round {r + 1}/{args.rounds} {side}: {elapsed:.0f} s", file=sys.stderr)
    if not rounds["old"][0]:
        sys.exit("no case matches --cases")
    if args.json:
        with open(args.json, "w") as file:
            json.dump({"trees": trees, "states": states, "rounds": rounds}, file, indent=1)
    report(rounds, args.rounds)
    for side, tree in trees.items():
        changed = len(set(states[side])) > 1
        print(f"{side}: {tree}" + ("  CHANGED DURING THE RUN" if changed else ""))


if __name__ == "__main__":
    if sys.argv[1:2] == ["--worker"]:
        worker(*sys.argv[2:])
    else:
        main()

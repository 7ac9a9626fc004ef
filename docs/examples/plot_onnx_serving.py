"""
=====================================
Serving the neuron with ONNX Runtime
=====================================

A fitted :class:`~sklearn_neuron.NeuronClassifier` can leave Python behind:
`skl2onnx <https://onnx.ai/sklearn-onnx/>`_ converts it, with the scaler
in front of it, into an `ONNX <https://onnx.ai>`_ graph, a file that
`ONNX Runtime <https://onnxruntime.ai>`_ runs from C, C++, C#, Java,
JavaScript or Python, on a server, a phone or in a browser, without
scikit-learn or this package.

``import sklearn_neuron.onnx`` teaches skl2onnx how to convert the neuron
(see the :doc:`user guide </user_guide>`). Here we fit a pipeline on the
breast cancer data, convert it, run the graph with ONNX Runtime, check that
it answers as the pipeline does, and time both.
"""

# %%
# Fit and convert
# ---------------
# The samples are float32, the usual type for serving; the scaler and the
# neuron then learn in float32 too. ``to_onnx`` reads the type and the number
# of features from the sample it is given. Two options: ``zipmap=False``
# returns the probabilities as one array rather than as one dictionary per
# sample, and ``div="div"`` writes the scaler as a subtraction and a division,
# as scikit-learn computes it (by default skl2onnx multiplies by the
# reciprocal, in an operator of ONNX's machine-learning domain).
import tempfile
import timeit
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import onnxruntime
from skl2onnx import to_onnx
from sklearn.datasets import load_breast_cancer
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import sklearn_neuron.onnx  # noqa: F401  (registers the converter with skl2onnx)
from sklearn_neuron import NeuronClassifier

X, y = load_breast_cancer(return_X_y=True)
X = X.astype(np.float32)
X_train, X_test, y_train, y_test = train_test_split(X, y, stratify=y, random_state=0)
model = make_pipeline(StandardScaler(), NeuronClassifier(random_state=0)).fit(X_train, y_train)

options = {NeuronClassifier: {"zipmap": False}, StandardScaler: {"div": "div"}}
graph = to_onnx(model, X_train[:1], options=options)
print("operators:", " → ".join(node.op_type for node in graph.graph.node))

# %%
# The scaler became ``Sub`` and ``Div``; the neuron became its net input
# ``z = X W + b`` (``MatMul``, ``Add``), the label ``z > 0`` looked up in
# ``classes_`` (``Greater``, ``Cast``, ``Reshape``, ``Gather``) and the
# probabilities ``σ(±z / T)`` (``Div``, ``Neg``, ``Concat``, ``Sigmoid``), all
# in float32 like the weights. A neuron fitted on float64 data would compute
# its net input in float64, as ``predict`` does.
#
# The graph is saved as one file, and loaded from it for serving.
folder = Path(tempfile.mkdtemp())
(folder / "neuron.onnx").write_bytes(graph.SerializeToString())
print(f"neuron.onnx: {(folder / 'neuron.onnx').stat().st_size} bytes")

session = onnxruntime.InferenceSession(folder / "neuron.onnx", providers=["CPUExecutionProvider"])
print("inputs: ", [(node.name, node.type, node.shape) for node in session.get_inputs()])
print("outputs:", [(node.name, node.type, node.shape) for node in session.get_outputs()])

# %%
# The same answers
# ----------------
# The graph's labels are those of ``predict``, and its probabilities those of
# ``predict_proba`` to float32 rounding.
labels, probabilities = session.run(None, {"X": X_test})
print("labels equal to predict:", np.array_equal(labels, model.predict(X_test)))
difference = np.abs(probabilities - model.predict_proba(X_test)).max()
print(f"largest difference from predict_proba: {difference:.1e}")
print(f"test accuracy: {np.mean(labels == y_test):.3f}")

# %%
# Prediction time
# ---------------
# For one sample, most of scikit-learn's time goes to checking the input and
# passing it through the pipeline; ONNX Runtime, made for serving, has little
# of that overhead. For many samples at once, both spend most of their time
# on the arithmetic, and neither is far ahead. Each time is the best of
# several repeats, in microseconds per call.
many_rows = np.repeat(X_test, 100, axis=0)
batches = {"one row": X_test[:1], f"{len(many_rows):,} rows": many_rows}


def microseconds_per_call(predict, batch, number):
    best = min(timeit.repeat(lambda: predict(batch), number=number, repeat=5))
    return best / number * 1e6


timings = {"scikit-learn predict_proba": [], "ONNX Runtime": []}
for batch in batches.values():
    number = 200 if len(batch) == 1 else 5
    timings["scikit-learn predict_proba"].append(
        microseconds_per_call(model.predict_proba, batch, number)
    )
    timings["ONNX Runtime"].append(
        microseconds_per_call(lambda rows: session.run(None, {"X": rows}), batch, number)
    )
for name, times in timings.items():
    columns = (f"{batch}: {time:9.1f} µs" for batch, time in zip(batches, times, strict=True))
    print(f"{name:<27}", *columns, sep="   ")

# %%
# The time per call, on a logarithmic scale.
fig, ax = plt.subplots(figsize=(7, 3.5), layout="constrained")
positions = np.arange(len(batches))
for offset, (name, times) in zip([-0.2, 0.2], timings.items(), strict=True):
    ax.bar(positions + offset, times, width=0.4, label=name)
ax.set_xticks(positions, list(batches))
ax.set_yscale("log")
ax.set_ylabel("µs per call (lower is faster)")
ax.set_title("Predicting the breast cancer data")
ax.legend()
plt.show()

# %%
# The timings depend on the machine; the gap for one row is what matters
# when a service answers one request at a time. ONNX Runtime's own
# threading, graph optimisations and execution providers (``providers=``) can
# be tuned further; see its documentation.

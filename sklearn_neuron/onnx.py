"""Export a fitted :class:`~sklearn_neuron.NeuronClassifier` to ONNX.

Importing this module registers a converter for the neuron with
`skl2onnx <https://onnx.ai/sklearn-onnx/>`_, so that ``skl2onnx.to_onnx``
converts a fitted neuron, alone or as the last step of a ``Pipeline``, into
an ONNX graph that any ONNX runtime can serve without Python, scikit-learn or
this package. ``import sklearn_neuron`` alone does not import skl2onnx.

The graph computes what :meth:`~sklearn_neuron.NeuronClassifier.predict` and
:meth:`~sklearn_neuron.NeuronClassifier.predict_proba` compute. With ``W`` the
transposed ``coef_``, ``b`` the ``intercept_`` and ``T`` the
``temperature_``, the net input of a batch ``X`` is::

    z = X W + b          (MatMul, Add)

For two classes there is one neuron, ``z`` has one column, and::

    label = classes_[1] if z > 0 else classes_[0]         (Greater, Gather)
    probabilities = [1 − s, s] with s = σ(z / T)          (Div, Sigmoid)

where σ is the sigmoid, ``σ(u) = 1 / (1 + exp(−u))``. The graph computes
``1 − s`` as ``σ(−z / T)``, the same number, so that a probability near 0 keeps
its digits instead of being rounded away in a subtraction from 1. For more
classes there is one neuron and one column of ``z`` per class, and::

    label = classes_[argmax z]                            (ArgMax, Gather)
    probabilities = softmax(z / T)                        (Div, Softmax)

with ties in the argmax going to the first class, as in numpy and in ONNX's
``ArgMax``.

The net input is computed in float64 when either the input or ``coef_`` is
float64, and in float32 otherwise: the precision in which numpy computes it
in ``predict``, so that the labels are those of ``predict`` even for samples
very close to the boundary. The probabilities come out in the input's
precision (float32 through the ZipMap, which holds no other). A neuron
fitted on float32 data has float32 weights, and its graph then computes in
float32 throughout (for runtimes without float64 kernels).

The labels are ``classes_``: integers come out as int64, strings as strings,
and booleans and whole-numbered floats as the int64 numbers they equal (0
and 1 for ``False`` and ``True``), as in skl2onnx's own classifiers. Other
labels (bytes, integers beyond the int64 range, objects that are not
strings) have no ONNX type: encode them as integers or strings before
fitting, or convert with ``nocl=True``.

skl2onnx's usual classifier options apply: by default the probabilities come
out as a list of dictionaries, one per sample, from class to probability
(ONNX's ``ZipMap``); ``zipmap=False`` gives them as one tensor of shape
``(n_samples, n_classes)``, and ``zipmap="columns"`` as one output per class.
``nocl=True`` gives each sample's index in ``classes_`` instead of its label.

Examples
--------
>>> import numpy as np
>>> import onnxruntime
>>> from skl2onnx import to_onnx
>>> from sklearn.datasets import load_breast_cancer
>>> from sklearn.pipeline import make_pipeline
>>> from sklearn.preprocessing import StandardScaler
>>> from sklearn_neuron import NeuronClassifier
>>> import sklearn_neuron.onnx  # registers the converter with skl2onnx
>>> X, y = load_breast_cancer(return_X_y=True)
>>> X = X.astype(np.float32)
>>> model = make_pipeline(StandardScaler(), NeuronClassifier(random_state=0)).fit(X, y)
>>> graph = to_onnx(model, X[:1], options={NeuronClassifier: {"zipmap": False}})
>>> session = onnxruntime.InferenceSession(
...     graph.SerializeToString(), providers=["CPUExecutionProvider"]
... )
>>> labels, probabilities = session.run(None, {"X": X})
>>> bool(np.array_equal(labels, model.predict(X)))
True
>>> bool(np.allclose(probabilities, model.predict_proba(X), atol=1e-5))
True
"""

import numpy as np
from sklearn.utils.validation import check_is_fitted

from ._neuron import NeuronClassifier

try:
    from onnx import TensorProto
    from skl2onnx import __version__ as _skl2onnx_version
    from skl2onnx import update_registered_converter
    from skl2onnx.common.data_types import (
        DoubleTensorType,
        FloatTensorType,
        Int64TensorType,
        StringTensorType,
    )
    from skl2onnx.common.utils import check_input_and_output_numbers
except ImportError as error:
    raise ImportError(
        "sklearn_neuron.onnx needs skl2onnx (and onnxruntime to run the graphs it "
        "makes): pip install 'sklearn-neuron[onnx]', or pip install skl2onnx onnxruntime."
    ) from error
try:
    # The parser that skl2onnx gives every classifier with a zipmap option: it
    # reads the option and adds the ZipMap after the converter's outputs. It is
    # private, but update_registered_converter registers it itself, and
    # skl2onnx's examples of converters for other libraries import it too.
    from skl2onnx._parse import _parse_sklearn_classifier
except ImportError as error:
    raise ImportError(
        f"skl2onnx {_skl2onnx_version} has no skl2onnx._parse._parse_sklearn_classifier, "
        "which sklearn_neuron.onnx builds on; install the skl2onnx version that "
        "pip install 'sklearn-neuron[onnx]' chooses."
    ) from error

__all__ = [
    "ALIAS",
    "calculate_neuron_classifier_output_shapes",
    "convert_neuron_classifier",
    "onnx_class_labels",
    "parse_neuron_classifier",
    "register",
]

#: The name under which skl2onnx knows NeuronClassifier.
ALIAS = "SklearnNeuronClassifier"

_INT64 = np.iinfo(np.int64)


# --- Labels ------------------------------------------------------------------


def onnx_class_labels(classes):
    """The class labels as ONNX can hold them: int64 numbers or strings.

    Parameters
    ----------
    classes : ndarray of shape (n_classes,)
        The ``classes_`` of a fitted neuron.

    Returns
    -------
    labels : ndarray of shape (n_classes,)
        int64 for integer, boolean and whole-numbered float labels (equal to
        them), or an object array of ``str`` for string labels.

    Raises
    ------
    ValueError
        If a label is neither an integer in the int64 range, a whole number,
        a boolean nor a string.
    """
    classes = np.asarray(classes)
    if classes.dtype.kind in "biu":
        return _as_int64(classes)
    if classes.dtype.kind == "f":
        if np.all(np.isfinite(classes)) and np.all(classes == np.round(classes)):
            return _as_int64(classes)
    elif classes.dtype.kind == "U" or (
        classes.dtype.kind == "O" and all(isinstance(label, str) for label in classes)
    ):
        return classes.astype(str).astype(object)
    raise ValueError(
        f"The neuron's labels classes_={classes.tolist()!r} (dtype {classes.dtype}) have "
        "no ONNX type: an ONNX classifier's labels are int64 or strings. Fit the neuron "
        "on y encoded as integers (sklearn.preprocessing.LabelEncoder) or as strings "
        "(y.astype(str)), or convert with options={NeuronClassifier: {'nocl': True}} "
        "for each sample's index in classes_ instead of its label."
    )


def _labels_in_graph(model, options_holder):
    """The labels the graph returns: ``classes_`` as ONNX holds them; with nocl=True, indices."""
    if options_holder.get_options(model, {"nocl": False})["nocl"]:
        return np.arange(len(model.classes_), dtype=np.int64)
    return onnx_class_labels(model.classes_)


def _as_int64(classes):
    """Integer-valued labels as int64, refusing any that int64 cannot hold."""
    # compared as Python integers: numpy 1 compares uint64 with int64 bounds in float64
    if int(classes.min()) < _INT64.min or int(classes.max()) > _INT64.max:
        raise ValueError(
            f"The neuron's labels classes_={classes.tolist()!r} do not fit in int64, the "
            "type of ONNX's integer labels; fit it on y encoded with "
            "sklearn.preprocessing.LabelEncoder or as strings (y.astype(str)), or convert "
            "with options={NeuronClassifier: {'nocl': True}} for indices into classes_."
        )
    return classes.astype(np.int64)


# --- Parser and shape calculator ---------------------------------------------


def parse_neuron_classifier(scope, model, inputs, custom_parsers=None):
    """skl2onnx's parser for classifiers, after checking that the neuron can be converted.

    skl2onnx's parser already reads ``model.classes_`` to build the ZipMap,
    so the neuron is checked first, to fail with a message that says what
    to do.

    Parameters
    ----------
    scope : skl2onnx.common._topology.Scope
        The scope of the graph being built.
    model : NeuronClassifier
        The neuron to convert.
    inputs : list of skl2onnx.common._topology.Variable
        The neuron's input: the samples.
    custom_parsers : dict or None, default=None
        Parsers given to ``to_onnx``, passed on.

    Returns
    -------
    outputs : list of skl2onnx.common._topology.Variable
        The label and the probabilities (through the ZipMap unless
        ``zipmap=False``).
    """
    check_is_fitted(model)
    _labels_in_graph(model, scope)
    return _parse_sklearn_classifier(scope, model, inputs, custom_parsers=custom_parsers)


def calculate_neuron_classifier_output_shapes(operator):
    """Set the type and shape of the neuron's two outputs, label and probabilities.

    Parameters
    ----------
    operator : skl2onnx.common._topology.Operator
        The neuron's operator: one input of shape ``(n_samples, n_features)``,
        two outputs.
    """
    check_input_and_output_numbers(operator, input_count_range=1, output_count_range=2)
    model = operator.raw_operator
    _check_input_type(operator.inputs[0].type, model)
    n_samples = operator.inputs[0].get_first_dimension()
    labels = _labels_in_graph(model, operator.scope_inst)
    label_type = StringTensorType if labels.dtype == object else Int64TensorType
    operator.outputs[0].set_type(label_type(shape=[n_samples]))
    probability_type = _probability_type(operator.inputs[0].type, model, operator.scope_inst)
    operator.outputs[1].set_type(probability_type(shape=[n_samples, len(labels)]))


def _probability_type(input_type, model, scope):
    """The input's precision, except float32 where ONNX's ZipMap follows, which holds no other."""
    if scope.get_options(model, {"zipmap": True})["zipmap"] is True:
        return FloatTensorType
    return type(input_type)


def _check_input_type(input_type, model):
    """Refuse inputs that are not float32 or float64, or have the wrong number of features."""
    if not isinstance(input_type, (FloatTensorType, DoubleTensorType)):
        raise TypeError(
            "NeuronClassifier converts float32 or float64 samples, not "
            f"{type(input_type).__name__}; pass to_onnx samples cast with "
            "X.astype(np.float32) or X.astype(np.float64), "
            "and feed the ONNX graph the same type."
        )
    shape = input_type.shape
    n_features = model.coef_.shape[1]
    if shape is not None and len(shape) == 2 and isinstance(shape[1], int):
        if shape[1] != n_features:
            raise ValueError(
                f"The input has {shape[1]} features, but the neuron was fitted on "
                f"{n_features}; give to_onnx samples like those the neuron was fitted on."
            )


# --- Converter -----------------------------------------------------------------


def convert_neuron_classifier(scope, operator, container):
    """Write the neuron's graph: net input, label and probabilities.

    Parameters
    ----------
    scope : skl2onnx.common._topology.Scope
        The scope of the graph being built, for unique names.
    operator : skl2onnx.common._topology.Operator
        The neuron's operator, whose ``raw_operator`` is the fitted neuron.
    container : skl2onnx.common._container.ModelComponentContainer
        The graph being built.
    """
    model = operator.raw_operator
    graph = _GraphWriter(scope, container)
    input_name = operator.inputs[0].full_name
    label_name, probability_name = (output.full_name for output in operator.outputs)

    input_dtype = _numpy_dtype(operator.inputs[0].type)
    output_dtype = _numpy_dtype(operator.outputs[1].type)
    compute_dtype = np.result_type(input_dtype, model.coef_.dtype)
    samples = graph.cast(input_name, compute_dtype) if compute_dtype != input_dtype else input_name
    net_input = _net_input(graph, samples, model, compute_dtype)

    class_index = _class_index(graph, net_input, model, compute_dtype)
    labels = graph.constant("class_labels", _labels_in_graph(model, container))
    graph.node("Gather", [labels, class_index], label_name)

    if compute_dtype == output_dtype:
        _probabilities(graph, net_input, model, compute_dtype, output=probability_name)
    else:
        probabilities = _probabilities(graph, net_input, model, compute_dtype)
        graph.node("Cast", [probabilities], probability_name, to=_onnx_type(output_dtype))


def _net_input(graph, samples, model, dtype):
    """``z = X W + b``, of shape (n_samples, n_neurons)."""
    weights = graph.constant("coefficients", model.coef_.T.astype(dtype))
    biases = graph.constant("intercepts", model.intercept_.astype(dtype))
    return graph.node("Add", [graph.node("MatMul", [samples, weights]), biases])


def _class_index(graph, net_input, model, dtype):
    """The index in ``classes_`` of each sample's label, as ``predict`` chooses it."""
    if len(model.classes_) == 2:
        # z = 0 is not positive: the first class, as in predict
        zero = graph.constant("zero", np.zeros(1, dtype))
        positive = graph.node("Greater", [net_input, zero])
        index = graph.node("Cast", [positive], to=TensorProto.INT64)
        # from one column to one dimension, as Gather needs for labels of shape (n_samples,)
        flat = graph.constant("flat_shape", np.array([-1], np.int64))
        return graph.node("Reshape", [index, flat])
    # ArgMax takes the first of equal values (select_last_index=0), as numpy does
    return graph.node("ArgMax", [net_input], axis=1, keepdims=0)


def _probabilities(graph, net_input, model, dtype, output=None):
    """``predict_proba``: the sigmoid of ±z / T for two classes, the softmax of z / T otherwise."""
    temperature = graph.constant("temperature", np.array([model.temperature_], dtype))
    scaled = graph.node("Div", [net_input, temperature])
    if len(model.classes_) == 2:
        # [σ(−u), σ(u)] is [1 − s, s], each class from its own exponential as in predict_proba
        both_sides = graph.node("Concat", [graph.node("Neg", [scaled]), scaled], axis=1)
        return graph.node("Sigmoid", [both_sides], output)
    return graph.node("Softmax", [scaled], output, axis=1)


def _numpy_dtype(tensor_type):
    return (
        np.dtype(np.float64) if isinstance(tensor_type, DoubleTensorType) else np.dtype(np.float32)
    )


def _onnx_type(dtype):
    return TensorProto.DOUBLE if dtype == np.float64 else TensorProto.FLOAT


class _GraphWriter:
    """Adds nodes and constants to skl2onnx's container under unique names."""

    def __init__(self, scope, container):
        self.scope = scope
        self.container = container

    def node(self, op_type, inputs, output=None, **attributes):
        """Add one ONNX node; return the name of its output (new unless given)."""
        output = output or self.scope.get_unique_variable_name(op_type.lower())
        self.container.add_node(
            op_type,
            inputs,
            output,
            name=self.scope.get_unique_operator_name(op_type),
            **attributes,
        )
        return output

    def cast(self, name, dtype):
        return self.node("Cast", [name], to=_onnx_type(dtype))

    def constant(self, name, array):
        """Store ``array`` in the graph under a unique name made from ``name``; return it."""
        name = self.scope.get_unique_variable_name(name)
        if array.dtype == object:
            onnx_type = TensorProto.STRING
            content = [label.encode("utf-8") for label in array]
        else:
            onnx_type = {
                np.dtype(np.float32): TensorProto.FLOAT,
                np.dtype(np.float64): TensorProto.DOUBLE,
                np.dtype(np.int64): TensorProto.INT64,
            }[array.dtype]
            content = array.ravel().tolist()
        self.container.add_initializer(name, onnx_type, list(array.shape), content)
        return name


# --- Registration ----------------------------------------------------------------


def register():
    """Register the neuron's parser, shape calculator and converter with skl2onnx.

    Importing this module calls it; call it again to restore the converter if
    something else has registered another for NeuronClassifier.
    """
    update_registered_converter(
        NeuronClassifier,
        ALIAS,
        calculate_neuron_classifier_output_shapes,
        convert_neuron_classifier,
        parser=parse_neuron_classifier,
        options={"zipmap": [True, False, "columns"], "nocl": [False, True]},
    )


register()

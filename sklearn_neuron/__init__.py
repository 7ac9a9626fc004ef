"""A single artificial neuron that learns, as a scikit-learn classifier."""

from ._neuron import NeuronClassifier

__all__ = ["NeuronClassifier", "__version__"]
# The one place the version is written: pyproject.toml reads it from here.
__version__ = "0.1.0"

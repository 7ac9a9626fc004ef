"""Sphinx configuration of the sklearn-neuron documentation.

Build it, offline, with warnings as errors:

    python -m sphinx -W -b html docs docs/_build/html
"""

import re

import matplotlib
from sphinx_gallery.sorting import ExplicitOrder

import sklearn_neuron

# The gallery draws its figures without a display.
matplotlib.use("Agg")

project = "sklearn-neuron"
author = "the sklearn-neuron developers"
copyright = "the sklearn-neuron developers"
release = sklearn_neuron.__version__
version = release

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    # MathJax from the site itself, not from a CDN: formulas render offline.
    "sphinx-mathjax-offline",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
]

templates_path = ["_templates"]
# docs/examples holds the gallery's sources, which sphinx-gallery turns into auto_examples.
exclude_patterns = ["_build", "examples"]
root_doc = "index"
default_role = "literal"

# --- API reference ---------------------------------------------------------

autosummary_generate = True
autodoc_default_options = {"members": True, "inherited-members": True}
autodoc_typehints = "none"
# The class template lists the methods with autosummary; numpydoc would list them twice.
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
# Types in docstrings stay plain text: without intersphinx, links to numpy or
# scikit-learn could not resolve.
numpydoc_xref_param_type = False

# --- Gallery ---------------------------------------------------------------

sphinx_gallery_conf = {
    "examples_dirs": "examples",
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",
    "within_subsection_order": ExplicitOrder(
        [
            "plot_article_two_points.py",
            "plot_decision_boundaries.py",
            "plot_learning_curves.py",
            "plot_streaming_partial_fit.py",
            "plot_out_of_core.py",
            "plot_grid_search.py",
            "plot_reliability_diagram.py",
            "plot_peer_comparison.py",
            "plot_onnx_serving.py",
            "*",
        ]
    ),
    "image_scrapers": ("matplotlib",),
    # "Examples using NeuronClassifier" on the API page.
    "doc_module": ("sklearn_neuron",),
    "backreferences_dir": "generated/backreferences",
    "abort_on_example_error": True,
    "remove_config_comments": True,
    "download_all_examples": False,
    "show_memory": False,
    # its pages of timings load jQuery and DataTables from CDNs: the site stays offline
    "write_computation_times": False,
}

# --- HTML ------------------------------------------------------------------

html_theme = "pydata_sphinx_theme"
html_title = f"sklearn-neuron {release}"
html_theme_options = {
    "navbar_align": "left",
    "show_toc_level": 2,
    "secondary_sidebar_items": ["page-toc"],
    "footer_start": ["copyright"],
    "footer_end": ["sphinx-version"],
}
html_show_sourcelink = False


# --- Methods inherited from scikit-learn -------------------------------------
# score, get_params, set_params and the metadata-routing methods come from
# scikit-learn, whose docstrings cross-reference labels of scikit-learn's own
# documentation. Built offline there is nothing to resolve them against, so
# they become links to scikit-learn's website (or plain text if unknown).

SCIKIT_LEARN_PAGES = {
    "accuracy_score": "https://scikit-learn.org/stable/modules/model_evaluation.html#accuracy-score",
    "metadata_routing": "https://scikit-learn.org/stable/metadata_routing.html",
    "meta-estimator": "https://scikit-learn.org/stable/glossary.html#term-meta-estimator",
}
_SCIKIT_LEARN_REFERENCE = re.compile(r":(?:ref|term):`([^`<]+?)\s*(?:<([^`>]+)>)?`")


def _link_scikit_learn_references(app, what, name, obj, options, lines):
    if not (getattr(obj, "__module__", None) or "").startswith("sklearn."):
        return

    def link(match):
        text, label = match.group(1), match.group(2) or match.group(1)
        url = SCIKIT_LEARN_PAGES.get(label)
        return f"`{text} <{url}>`__" if url else text

    lines[:] = [_SCIKIT_LEARN_REFERENCE.sub(link, line) for line in lines]


def setup(app):
    app.connect("autodoc-process-docstring", _link_scikit_learn_references)

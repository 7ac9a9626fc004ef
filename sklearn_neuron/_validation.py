"""Checks of the user's input, each with an error that says what to do."""

from contextlib import contextmanager

import numpy as np
import scipy.sparse as sp
from sklearn.utils import assert_all_finite, check_random_state, compute_class_weight
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import _check_sample_weight, validate_data

from . import _kernels as kernels


@contextmanager
def unchanged_on_error(estimator):
    """Restore every attribute of ``estimator`` if the block raises."""
    saved = dict(vars(estimator))
    try:
        yield
    except BaseException:
        vars(estimator).clear()
        vars(estimator).update(saved)
        raise


def validate_input(estimator, *args, **kwargs):
    """scikit-learn's ``validate_data``, without its spurious overflow warnings.

    It checks that X is finite by summing it first, which overflows for large
    finite values (it then checks element by element, and rightly passes).
    """
    with np.errstate(over="ignore", invalid="ignore"):
        return validate_data(estimator, *args, **kwargs)


def check_targets(y):
    """scikit-learn's ``check_classification_targets``, without its cost for integer labels.

    One-dimensional integer or boolean labels are always binary or
    multiclass, which it accepts: only other labels need its inspection,
    which takes a quarter of a millisecond on a few hundred labels, a sixth
    of a fit of iris.
    """
    if not (y.ndim == 1 and y.dtype.kind in "biu"):
        check_classification_targets(y)


def checked_squared_norms(X, exact=True):
    """Each row's ``‖x‖²`` in float64, once the features are known to be finite and not too large.

    One compiled pass, no copy of X. Not ``exact``, a column that a CSR row
    stores twice counts as two: enough to check X, not to set a step; a CSR
    matrix that scipy knows to be canonical (sorted columns, none twice)
    needs no check of its columns either.

    The net input ``w·x`` of the perceptron rule grows like ``‖x‖²``; it has
    to stay well inside the range of X's dtype. One compiled pass over X
    finds all three faults, since a NaN or an infinity makes its row's
    ``‖x‖²`` NaN or infinite: ``fit`` and ``partial_fit`` leave the check for
    NaN and infinity to it (the step size takes the norms too), where
    numpy's largest and smallest values of X took two passes more. Only on
    a fault is X read again, to say which.
    """
    squared_norms = np.empty(X.shape[0])
    if sp.issparse(X):
        canonical = X.has_canonical_format or not exact
        kernels.row_squared_norms(
            X.data,
            X.indptr[:0] if canonical else X.indices.astype(X.indptr.dtype, copy=False),
            X.indptr,
            np.zeros(0 if canonical else X.shape[1]),
            squared_norms,
        )
    else:
        values = np.ascontiguousarray(X).reshape(-1)
        rows = np.arange(X.shape[0] + 1) * X.shape[1]
        kernels.row_squared_norms(values, rows[:0], rows, np.zeros(0), squared_norms)
    largest = squared_norms.max(initial=0.0)  # NaN if any is
    if largest <= np.finfo(X.dtype).max / 16:
        return squared_norms
    values = X.data if sp.issparse(X) else X
    if not np.isfinite(values).all():  # scikit-learn's own error, which says which and where
        assert_all_finite(values, input_name="X", estimator_name="NeuronClassifier")
    reach = float(np.abs(values).max())
    raise ValueError(
        f"The features are too large for {X.dtype} arithmetic (|x| reaches {reach:.3g}, "
        "and w·x grows like ‖x‖²); scale the features, e.g. with StandardScaler"
        + (", or pass float64." if X.dtype == np.float32 else ".")
    )


def classes_and_targets(y):
    """``np.unique(y, return_inverse=True)``: the sorted labels, and each sample's index among them.

    Integer labels from a short range are counted rather than sorted: several
    times faster on large data, with the same result.
    """
    if y.dtype.kind in "iu" and len(y) > 0:
        lowest, highest = int(y.min()), int(y.max())
        index_range = np.iinfo(np.intp)
        if highest - lowest < len(y) and index_range.min <= lowest <= highest <= index_range.max:
            offsets = np.subtract(y, lowest, dtype=np.intp)
            present = np.bincount(offsets) > 0
            classes = (np.flatnonzero(present) + lowest).astype(y.dtype)
            return classes, (np.cumsum(present) - 1)[offsets]
    return np.unique(y, return_inverse=True)


def checked_sample_weight(sample_weight, X, targets, classes, class_weight):
    """Sample weights times class weights, checked; a number weighs every sample alike.

    Returns the weights; their unit, the smallest positive sample weight,
    class weights aside (1 without sample weights), which Platt's targets
    count as one sample (see _calibration.class_sizes); and the weight of
    each class (see :func:`class_weights`).
    """
    if sample_weight is not None:
        sample_weight = np.asarray(sample_weight)
        if sample_weight.ndim == 0:
            sample_weight = np.full(X.shape[0], sample_weight, dtype=np.float64)
        if sample_weight.dtype.kind in "fc" and np.isnan(sample_weight).any():
            raise ValueError(
                "sample_weight contains NaN; give every sample a finite non-negative weight."
            )
        if sample_weight.ndim == 1 and not np.any(sample_weight):
            raise ValueError("Every sample weight is zero; give some samples a positive weight.")
    sample_weight = _check_sample_weight(
        sample_weight, X, dtype=np.float64, ensure_non_negative=True
    )
    unit = float(sample_weight[sample_weight > 0].min())
    of_class = class_weights(class_weight, classes, targets, sample_weight)
    if class_weight is not None:
        sample_weight = sample_weight * of_class[targets]
    if not np.isfinite(sample_weight.sum()):
        raise ValueError("sample_weight must be finite; rescale the weights.")
    return sample_weight, unit, of_class


def class_weights(class_weight, classes, targets, sample_weight):
    """The weight of each class: 1, a dict's values, or ``"balanced"``'s on the weighted classes.

    An array is taken as the weights of the classes, already resolved.

    ``"balanced"`` gives class ``k`` the weight ``S / (n_classes · S_k)``, with
    ``S_k`` the sample weight of its samples and ``S`` the total, as
    scikit-learn's ``compute_class_weight(..., sample_weight=...)`` does (from
    version 1.7): weighted rows and the same rows repeated then weigh alike.
    """
    if class_weight is None:
        return np.ones(len(classes))
    if isinstance(class_weight, np.ndarray):
        return class_weight
    if class_weight == "balanced":
        sizes = np.bincount(targets, weights=sample_weight, minlength=len(classes))
        # a class whose samples all weigh nothing keeps weighing nothing
        with np.errstate(divide="ignore"):
            return np.where(sizes > 0, sizes.sum() / (len(classes) * sizes), 0.0)
    weights = compute_class_weight(class_weight, classes=classes, y=classes[targets])
    if not (np.all(np.isfinite(weights)) and np.all(weights >= 0)):
        refused = {
            label: weight
            for label, weight in zip(classes.tolist(), weights.tolist(), strict=True)
            if not (np.isfinite(weight) and weight >= 0)
        }
        raise ValueError(
            f"class_weight gives the classes {refused} weights that are negative or not "
            "finite; class weights multiply sample weights, which must be finite and "
            "non-negative. Give every class a weight of 0 or more."
        )
    return weights


def hold_out(targets, sample_weight, validation_fraction, random_state):
    """The rows to train on and the stratified rows that ``early_stopping`` holds out."""
    # imported here: sklearn.model_selection takes long to import, and
    # only early stopping needs it
    from sklearn.model_selection import train_test_split

    try:
        training, validation = train_test_split(
            np.arange(len(targets)),
            test_size=validation_fraction,
            stratify=targets,
            random_state=check_random_state(random_state),
        )
    except ValueError as error:
        raise ValueError(
            f"early_stopping cannot hold out a stratified validation_fraction="
            f"{validation_fraction} of this data ({error}); raise "
            "validation_fraction or turn early_stopping off."
        ) from error
    for part, indices in [("validation", validation), ("training", training)]:
        if not np.any(sample_weight[indices]):
            raise ValueError(
                f"The sample weights of the {part} set that early_stopping holds out "
                f"(validation_fraction={validation_fraction}) are all zero; give "
                "more samples a positive weight, change random_state or "
                "validation_fraction, or turn early_stopping off."
            )
    return np.sort(training), validation


def check_stream_classes(classes, fitted_classes, class_weight):
    """The sorted ``classes`` of ``partial_fit``, checked against the first call's.

    ``class_weight="balanced"`` can go on from a fit, which resolved it on
    all of y, but cannot start a stream.
    """
    if fitted_classes is None and classes is None:
        raise ValueError(
            "classes must be passed on the first call to partial_fit: "
            "the list of every label the stream will contain."
        )
    if class_weight == "balanced" and fitted_classes is None:
        raise ValueError(
            "class_weight='balanced' needs all the labels at once, which "
            "partial_fit does not see; pass a dict, e.g. from "
            "sklearn.utils.compute_class_weight on the whole y, or call fit first: "
            "partial_fit then keeps the class weights that fit computed."
        )
    if classes is None:
        return fitted_classes
    classes = np.unique(classes)
    if fitted_classes is not None and not np.array_equal(classes, fitted_classes):
        raise ValueError(
            f"classes={classes.tolist()} differs from the classes of the first "
            f"call to partial_fit, {fitted_classes.tolist()}."
        )
    if len(classes) < 2:
        raise ValueError("classes must hold at least 2 labels for a classifier.")
    return classes


def check_labels_in_classes(y, classes):
    unseen = np.setdiff1d(y, classes)
    if len(unseen):
        raise ValueError(
            f"y has labels {unseen.tolist()} that are not among the classes "
            f"{classes.tolist()} given on the first call to partial_fit."
        )

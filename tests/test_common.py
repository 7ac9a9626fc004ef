"""scikit-learn's own contract for estimators: every check of check_estimator."""

from sklearn.utils.estimator_checks import parametrize_with_checks

from sklearn_neuron import NeuronClassifier

# A shuffled online or mini-batch pass honours sample weights only in
# expectation, so an integer weight is not the same as repeating the sample;
# scikit-learn grants its own SGDClassifier the same two exceptions.
SHUFFLED_EXPECTED_FAILURES = {
    "check_sample_weight_equivalence_on_dense_data": (
        "a shuffled online pass honours sample weights only in expectation"
    ),
    "check_sample_weight_equivalence_on_sparse_data": (
        "a shuffled online pass honours sample weights only in expectation"
    ),
}


def _expected_failed_checks(estimator):
    return SHUFFLED_EXPECTED_FAILURES if estimator.batch_size != "auto" else {}


@parametrize_with_checks(
    [
        NeuronClassifier(learning_rule="sigmoid"),
        NeuronClassifier(learning_rule="perceptron"),
    ]
)
def test_check_estimator_at_defaults(estimator, check):
    """Both learning rules pass every check with no expected failure."""
    check(estimator)


@parametrize_with_checks(
    [
        NeuronClassifier(learning_rule="sigmoid", batch_size=1),
        NeuronClassifier(learning_rule="perceptron", batch_size=1),
        NeuronClassifier(learning_rule="sigmoid", batch_size=4),
    ],
    expected_failed_checks=_expected_failed_checks,
)
def test_check_estimator_online_and_mini_batch(estimator, check):
    """Shuffled batches pass all but the two weight-equivalence checks."""
    check(estimator)


# Beyond the defaults: each expected failure is one that scikit-learn's
# closest estimator shows for the same reason, named with it.
BEYOND_DEFAULTS = {
    "mini-batch sigmoid": dict(batch_size=32),
    "mini-batch perceptron": dict(batch_size=32, learning_rule="perceptron"),
    "balanced sigmoid": dict(class_weight="balanced"),
    "balanced perceptron": dict(class_weight="balanced", learning_rule="perceptron"),
    "averaged sigmoid": dict(average=True),
    "averaged perceptron": dict(average=True, learning_rule="perceptron"),
    "warm-started sigmoid": dict(warm_start=True),
    "warm-started perceptron": dict(warm_start=True, learning_rule="perceptron"),
    "early-stopped sigmoid": dict(early_stopping=True),
    "textbook perceptron": dict(
        learning_rule="perceptron", batch_size=1, learning_rate=1.0, alpha=0.0
    ),
}

STARTS_NO_STREAM = (
    "partial_fit cannot start a stream with class_weight='balanced', which needs all "
    "the labels at once; SGDClassifier(class_weight='balanced') fails it alike"
)
HOLDS_OUT_TOO_FEW = (
    "early_stopping's stratified hold-out of validation_fraction=0.1 of the check's few "
    "samples has fewer rows than classes; SGDClassifier(early_stopping=True) fails it alike"
)
ONLINE_WEIGHTS = (
    "an online pass honours sample weights by the size of its steps, not as repeated "
    "samples; Perceptron() fails it alike"
)


def _expected_beyond_defaults(estimator):
    params = estimator.get_params()
    expected = {}
    if params["class_weight"] == "balanced":
        for check in [
            "check_n_features_in_after_fitting",
            "check_estimators_partial_fit_n_features",
        ]:
            expected[check] = STARTS_NO_STREAM
    if params["early_stopping"]:
        for check in [
            "check_dont_overwrite_parameters",
            "check_n_features_in_after_fitting",
            "check_sample_weight_equivalence_on_dense_data",
            "check_sample_weight_equivalence_on_sparse_data",
            "check_estimators_nan_inf",
            "check_f_contiguous_array_estimator",
            "check_methods_sample_order_invariance",
            "check_methods_subset_invariance",
            "check_fit2d_1feature",
            "check_dict_unchanged",
            "check_fit2d_predict1d",
        ]:
            expected[check] = HOLDS_OUT_TOO_FEW
        expected["check_estimators_partial_fit_n_features"] = (
            "partial_fit cannot start a stream with early_stopping=True; "
            "SGDClassifier(early_stopping=True) fails it alike"
        )
    if params["batch_size"] == 1:
        for check in [
            "check_sample_weight_equivalence_on_dense_data",
            "check_sample_weight_equivalence_on_sparse_data",
        ]:
            expected[check] = ONLINE_WEIGHTS
    return expected


@parametrize_with_checks(
    [NeuronClassifier(**params) for params in BEYOND_DEFAULTS.values()],
    expected_failed_checks=_expected_beyond_defaults,
)
def test_check_estimator_beyond_defaults(estimator, check):
    """Non-default settings pass every check that scikit-learn's closest estimators pass."""
    check(estimator)

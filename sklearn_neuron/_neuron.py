"""NeuronClassifier: one artificial neuron (one per class for several classes)."""

from numbers import Integral, Real

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, ClassifierMixin, _fit_context
from sklearn.utils import assert_all_finite, check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from . import _kernels
from ._calibration import class_sizes, fit_temperature, stream_with
from ._choices import auto_alpha, auto_average, auto_batch_size, auto_learning_rate
from ._probabilities import probabilities
from ._training import History, Settings, Weights, run_epoch, train_full_batch, train_online
from ._validation import (
    check_labels_in_classes,
    check_stream_classes,
    check_targets,
    checked_sample_weight,
    checked_squared_norms,
    classes_and_targets,
    hold_out,
    unchanged_on_error,
    validate_input,
)


class NeuronClassifier(ClassifierMixin, BaseEstimator):
    """A single artificial neuron that learns by the perceptron rule or by gradient descent.

    The neuron computes a weighted sum of its inputs plus a bias, the net input
    ``z = w·x + b``, and passes it through an activation ``f``. It learns from
    each mistake with one update, whatever the learning rule:

    ``Δw = η · (t − f(z)) · x`` and ``Δb = η · (t − f(z))``,

    where ``t`` is the target (1 for the sample's class, 0 otherwise). With a
    step activation this is Rosenblatt's perceptron rule; with the sigmoid it
    is gradient descent on the log-loss. For more than two classes there is
    one neuron per class: the perceptron rule lets the winner take all, the
    sigmoid rule becomes softmax (multinomial logistic regression).

    Parameters
    ----------
    learning_rule : {"sigmoid", "perceptron"}, default="sigmoid"
        The activation, hence the learning rule: ``"sigmoid"`` (softmax for
        several classes) descends the log-loss; ``"perceptron"`` uses the step
        (winner takes all for several classes) and changes the weights only
        after a mistake.

    batch_size : int or "auto", default="auto"
        Samples per update. 1 is online learning, one update per sample, as
        in the textbook; ``n_samples`` or more is the full batch, which does
        not depend on the order of the samples; in between are mini-batches.
        ``"auto"`` takes the full batch up to 20,000 samples, or up to
        300,000 if the features' scales (root mean squares) span more than a
        factor of 100 (for sparse input: up to 1,000, if X stores at least as
        many values as it has features), and online learning otherwise;
        :meth:`partial_fit` always learns online with it. ``batch_size_``
        reports the batch size used.

    learning_rate : float or "auto", default="auto"
        The step ``η``, constant through training. ``"auto"`` is
        ``1 / (1 + alpha)`` for the perceptron rule (1 without a penalty,
        where its predictions do not depend on ``η``, and a valid step for
        every ``alpha``) and, for the sigmoid rule, the largest step that the
        curvature of the log-loss allows for the batch size, from a quarter of
        it online to all of it at the full batch when averaging; see Notes.
        It depends on ``batch_size``, ``average`` and ``alpha``; the step used
        is ``learning_rate_``.
        Online and in mini-batches only: the full batch's solver needs no
        step (see Notes).

    alpha : float or "auto", default="auto"
        Strength of the L2 penalty ``alpha / 2 · ‖w‖²`` (the bias is not
        penalised). Each update first shrinks the weights by ``1 − η·alpha``.
        ``"auto"`` is, for the sigmoid rule, one over the total sample weight
        given to :meth:`fit`, less what ``early_stopping`` holds out
        (``1 / n_samples`` for unit weights), the
        penalty of ``LogisticRegression(C=1)``: strong enough on small data,
        out of the way on large data; in :meth:`partial_fit`,
        ``1 / n_samples_seen_``, the same rule on all the data streamed so
        far. For the perceptron rule it is 0, as in ``Perceptron``: the
        perceptron criterion does not grow with the scale of ``w``, so the
        penalty has nothing to balance (with it, the best weights are 0).
        The penalty used is ``alpha_``.

    average : bool or "auto", default="auto"
        Report the mean of the weights over all updates (the averaged
        perceptron; averaged stochastic gradient descent) rather than the
        last ones. It smooths out the noise of online updates with a constant
        step. ``"auto"`` averages when ``learning_rate="auto"`` and training
        is online or in mini-batches (averaged SGD with a constant step); a
        ``learning_rate`` given by hand gets the textbook rule, unaveraged. It
        depends on ``learning_rate`` and ``batch_size``; whether ``coef_`` is
        an average is ``average_``.

    max_iter : int, default=1000
        Maximum number of epochs (passes over the training data).

    tol : float or None, default=1e-4
        One stopping rule per solver (details in the user guide, "When
        training stops"). Online: no gain of ``tol`` in the monitored loss
        (the perceptron's: mistakes) for ``n_iter_no_change`` epochs. Full
        batch: a largest scaled gradient component of at most ``tol``
        (sigmoid), or no gain of ``tol`` in the fewest mistakes for
        ``n_iter_no_change`` iterations (perceptron). ``None``: ``max_iter``
        (or the full batch's rounding floor), or no mistake left.

    n_iter_no_change : int, default=5
        Epochs without improvement by ``tol`` before training stops; on more
        than 10,000 samples, as many samples as that many epochs of 10,000
        (in whole epochs, at least one).

    early_stopping : bool, default=False
        Hold out a stratified ``validation_fraction`` of the training data,
        score the neuron on it after every epoch, stop when the score stops
        improving, and keep the weights of the best epoch. Only :meth:`fit`
        can: :meth:`partial_fit` refuses it on its first call, and after a
        fit learns from each chunk without holding any of it out (as
        ``SGDClassifier`` does).

    validation_fraction : float, default=0.1
        The share of the training data held out by ``early_stopping``.

    shuffle : bool, default=True
        Whether to shuffle the samples before every epoch (online and
        mini-batch learning; the full batch has no order). From 8,192
        samples on, it shuffles blocks of rows of up to 4 KiB, visited eight
        at a time, a row of each in turn (see the user guide).

    random_state : int, RandomState instance or None, default=None
        Seeds the shuffling and the validation split. Pass an int for
        reproducible results.

    class_weight : dict, "balanced" or None, default=None
        Weights of the classes, multiplying the sample weights. ``"balanced"``
        weighs each class inversely to its frequency, its samples' weights
        summed (``n_samples / (n_classes · class size)`` for unit weights); not
        on a first call of :meth:`partial_fit`, which sees one chunk at a
        time, while after :meth:`fit` it keeps the class weights fit
        computed.

    warm_start : bool, default=False
        Let :meth:`fit` go on from the weights of the previous fit, rather
        than from zero.

    verbose : int, default=0
        Print one line per epoch when positive.

    Attributes
    ----------
    coef_ : ndarray of shape (1, n_features) or (n_classes, n_features)
        The weights: one row for two classes, one row per class otherwise.
        Averaged over all updates when averaging.

    intercept_ : ndarray of shape (1,) or (n_classes,)
        The biases.

    classes_ : ndarray of shape (n_classes,)
        The class labels.

    batch_size_ : int
        The samples per update: ``batch_size``, or what ``"auto"`` resolved
        to, at most the number of samples (the full batch).

    average_ : bool
        Whether ``coef_`` and ``intercept_`` are the averaged weights
        (``average``, or what ``"auto"`` resolved to; the full batch's
        solver returns its own weights, never an average).

    learning_rate_ : float or None
        The step ``η`` used; None after a full-batch :meth:`fit`, whose solver
        chooses a step each iteration.

    alpha_ : float
        The penalty used: ``alpha``, or what ``"auto"`` resolved to.

    n_samples_seen_ : float
        The total weight of the samples given to the last :meth:`fit` (less
        what ``early_stopping`` held out), and
        of all those :meth:`partial_fit` has learned from since (their number,
        for unit weights).

    temperature_ : float
        The net input is divided by this before the sigmoid or softmax in
        :meth:`predict_proba`: 1 for the sigmoid rule, fitted to the training
        data for the perceptron rule (see Notes).

    n_iter_ : int
        The number of epochs run, over all calls of :meth:`partial_fit` (and
        of :meth:`fit` with ``warm_start``).

    loss_curve_ : list of float
        The loss of each epoch: the mean log-loss for the sigmoid rule, the
        mean perceptron criterion ``max(0, −margin)`` for the perceptron rule,
        each plus the L2 penalty. A mistake with ``z = 0`` costs 0 under the
        perceptron criterion, so an epoch that starts from zero weights has
        loss 0 however many mistakes it makes: ``mistakes_curve_`` tells.

    mistakes_curve_ : list of int
        The number of training samples the neuron got wrong in each epoch, as
        it met them.

    validation_scores_ : list of float or None
        With ``early_stopping``, the accuracy on the held-out data after each
        epoch, one entry per entry of ``loss_curve_`` (a warm start goes on
        from the earlier fit's; epochs that had no held-out data count as
        NaN).

    best_validation_score_ : float or None
        With ``early_stopping``, the best of ``validation_scores_``: the
        weights kept are those that reached it.

    n_features_in_ : int
        Number of features seen during :meth:`fit`.

    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during :meth:`fit`, when ``X`` has string
        column names.

    See Also
    --------
    sklearn.linear_model.Perceptron : The perceptron rule, one-vs-rest.
    sklearn.linear_model.SGDClassifier : Online linear models.
    sklearn.linear_model.LogisticRegression : The log-loss, with exact solvers.

    Notes
    -----
    The update minimises, by (stochastic) gradient descent, the weighted mean
    loss plus the penalty:

    .. math::

        \\min_{w, b} \\frac{\\sum_i s_i \\, \\ell(t_i, w \\cdot x_i + b)}{\\sum_i s_i}
        + \\frac{\\alpha}{2} \\lVert w \\rVert^2,
        \\qquad
        w \\leftarrow (1 - \\eta\\alpha)\\, w + \\eta \\, s_i \\, (t_i - f(z_i)) \\, x_i,

    with ``s_i`` the sample weights divided by their mean (in :meth:`partial_fit`
    the weights are used as given). For the log-loss and the sigmoid,
    ``−∂ℓ/∂z = t − σ(z)``; for the perceptron criterion ``ℓ = max(0, −margin)``
    and the step, ``−∂ℓ/∂z = t − step(z)``. A sample with ``z = 0`` counts as a
    mistake, as in scikit-learn's ``Perceptron``.

    On the full batch the same error signals drive a solver that does not
    depend on the features' scales: it works in coordinates where each
    feature is centred and scaled (an exact change of variables, so the
    objective, its optimum and the units of ``coef_`` do not change, and X is
    not copied). The sigmoid rule takes L-BFGS steps with a line search along
    the net inputs, and stops when the largest scaled gradient component is at
    most ``tol``, so a smaller ``tol`` means a closer optimum; ``learning_rate``
    and ``average`` do not apply there. The perceptron rule takes Polyak steps
    of the perceptron criterion and returns the weights (among its iterates
    and their running mean) with the fewest weighted training mistakes (the
    "pocket" algorithm), since on data that no hyperplane separates the
    perceptron keeps cycling. Online, both rules keep the epoch whose
    weights (their average, or when it does worse the last ones) score best
    on monitoring rows, at the cost of one or two passes of ``X @ coef_.T``
    over at most 10,000 rows per epoch; ``tol=None`` skips it.

    ``learning_rate="auto"`` for the sigmoid rule is ``1 / L``, where ``L``
    bounds the curvature of the loss over a batch: ``c · mean‖(x, 1)‖²`` for
    one sample, ``c · λ_max`` of the inputs' second-moment matrix for the full
    batch, interpolated in between, with ``c = 1/4`` for the sigmoid and
    ``1/2`` for softmax; averaged SGD takes a quarter of it, since its average
    ends within a distance of the optimum that grows with the step.

    The probabilities of the perceptron rule are ``sigmoid(z / T)`` (softmax
    for several classes), where ``T = temperature_`` minimises the weighted
    log-loss on the training data (for :meth:`partial_fit`, on a uniform
    sample of up to 1,000 of the rows streamed so far) against Platt's
    targets ``(N + 1)/(N + 2)`` and ``1/(N + 2)`` for a class of ``N``
    samples; with sample weights, ``N`` is the class's weight in units of
    the lightest sample (class weights aside), so that integer weights count
    as repeated samples and the scale of the weights does not matter. They
    keep the ranking of :meth:`decision_function`, and their argmax is
    :meth:`predict`.

    References
    ----------
    F. Rosenblatt, "The perceptron: a probabilistic model for information
    storage and organization in the brain", Psychological Review 65 (1958).

    J. Platt, "Probabilistic outputs for support vector machines and
    comparisons to regularized likelihood methods" (1999).

    S. Gallant, "Perceptron-based learning algorithms", IEEE Transactions on
    Neural Networks 1 (1990).

    Examples
    --------
    >>> from sklearn.datasets import load_breast_cancer
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from sklearn_neuron import NeuronClassifier
    >>> X, y = load_breast_cancer(return_X_y=True)
    >>> model = make_pipeline(StandardScaler(), NeuronClassifier()).fit(X, y)
    >>> round(model.score(X, y), 2)
    0.99
    >>> model.predict_proba(X[:1]).round(3)
    array([[1., 0.]])
    """

    _parameter_constraints = {
        "learning_rule": [StrOptions({"sigmoid", "perceptron"})],
        "batch_size": [Interval(Integral, 1, None, closed="left"), StrOptions({"auto"})],
        "learning_rate": [Interval(Real, 0, None, closed="neither"), StrOptions({"auto"})],
        "alpha": [Interval(Real, 0, None, closed="left"), StrOptions({"auto"})],
        "average": ["boolean", StrOptions({"auto"})],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left"), None],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "shuffle": ["boolean"],
        "random_state": ["random_state"],
        "class_weight": [dict, StrOptions({"balanced"}), None],
        "warm_start": ["boolean"],
        "verbose": ["verbose"],
    }

    def __init__(
        self,
        *,
        learning_rule="sigmoid",
        batch_size="auto",
        learning_rate="auto",
        alpha="auto",
        average="auto",
        max_iter=1000,
        tol=1e-4,
        n_iter_no_change=5,
        early_stopping=False,
        validation_fraction=0.1,
        shuffle=True,
        random_state=None,
        class_weight=None,
        warm_start=False,
        verbose=0,
    ):
        self.learning_rule = learning_rule
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.alpha = alpha
        self.average = average
        self.max_iter = max_iter
        self.tol = tol
        self.n_iter_no_change = n_iter_no_change
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.shuffle = shuffle
        self.random_state = random_state
        self.class_weight = class_weight
        self.warm_start = warm_start
        self.verbose = verbose

    # --- Learning ---------------------------------------------------------

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Learn the weights from the training data.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data.

        y : array-like of shape (n_samples,)
            Class labels.

        sample_weight : array-like of shape (n_samples,) or float, default=None
            Weights of the samples; a number weighs every sample alike. A
            weight of 2 counts as the sample repeated. For a given ``alpha``
            only the ratios of the weights matter, the perceptron's
            probabilities included (see Notes); ``alpha="auto"`` of the
            sigmoid rule is one over their sum, as ``LogisticRegression``'s
            ``C=1`` is, so that their scale sets the penalty there.

        Returns
        -------
        self : NeuronClassifier
            The fitted neuron.
        """
        return self._learn(X, y, sample_weight, streaming=False)

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y, classes=None, sample_weight=None):
        """Learn from one chunk of data: one online pass over its samples.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            A chunk of training data.

        y : array-like of shape (n_samples,)
            Its class labels.

        classes : array-like of shape (n_classes,), default=None
            All the labels the stream will contain. Required on the first
            call, since a chunk may not show them all; ignored if equal later.

        sample_weight : array-like of shape (n_samples,) or float, default=None
            Weights of the samples, multiplying their steps (as given, not
            divided by their mean); a number weighs every sample alike.

        Returns
        -------
        self : NeuronClassifier
            The neuron, trained on one more chunk.
        """
        return self._learn(X, y, sample_weight, streaming=True, classes=classes)

    def _learn(self, X, y, sample_weight, streaming, classes=None):
        """``fit`` (all the data) or ``partial_fit`` (one more chunk of a stream), one way down.

        Check the input, resolve every choice, train, calibrate, store; on
        an error, the neuron is left as it was.
        """
        with unchanged_on_error(self):
            continuing = hasattr(self, "_training_state") and (streaming or self.warm_start)
            X, classes, targets = self._checked_data(X, y, classes, streaming, continuing)
            # The norms set the sigmoid's step; the perceptron's needs them only
            # to check X, for which columns stored twice need not be summed.
            squared_norms = checked_squared_norms(X, exact=self.learning_rule == "sigmoid")
            class_weight = self.class_weight
            if streaming and class_weight == "balanced":  # fit resolved it on all of y
                class_weight = self._class_weights
            sample_weight, unit, self._class_weights = checked_sample_weight(
                sample_weight, X, targets, classes, class_weight
            )
            if not streaming and np.count_nonzero(np.bincount(targets, weights=sample_weight)) < 2:
                raise ValueError(
                    "The samples of non-zero weight all belong to one class; a "
                    "classifier needs at least 2 classes with positive weight."
                )

            n_neurons = 1 if len(classes) == 2 else len(classes)
            if continuing:
                weights, history = Weights.from_state(self._training_state), self._history()
            else:
                weights = Weights.zeros(n_neurons, X.shape[1], X.dtype)
                history = History(loss=[], mistakes=[], validation=None)
            validation = None
            if self.early_stopping and not streaming:
                training, held_out = hold_out(
                    targets, sample_weight, self.validation_fraction, self.random_state
                )
                validation = (X[held_out], targets[held_out], sample_weight[held_out])
                X, targets = X[training], targets[training]
                sample_weight, squared_norms = sample_weight[training], squared_norms[training]
                if history.validation is None:  # epochs of an earlier fit had no score
                    history.validation = [np.nan] * len(history.loss)
            else:
                history.validation = None
            n_samples_seen = float(sample_weight.sum())
            if streaming:
                n_samples_seen += self.n_samples_seen_ if continuing else 0.0
                step_weight = sample_weight  # as given: a chunk's mean is not the stream's
                batch_size = 1 if self.batch_size == "auto" else self.batch_size
            else:
                # Relative to the largest: the same ratios whatever the scale of
                # the weights, even denormal ones, whose sum divides into infinity.
                largest = sample_weight.max()
                if largest != 1.0:
                    sample_weight, unit = sample_weight / largest, unit / largest
                # Divided by their mean, unit weights leave the textbook rule as it is.
                step_weight = sample_weight * (len(sample_weight) / sample_weight.sum())
                batch_size = auto_batch_size(X) if self.batch_size == "auto" else self.batch_size
                batch_size = min(batch_size, X.shape[0])
            online = streaming or batch_size < X.shape[0]
            settings = self._settings(
                X, squared_norms, step_weight, batch_size, n_neurons, online, n_samples_seen,
                self.learning_rate_ if streaming and continuing else None,
            )  # fmt: skip
            del squared_norms  # a float64 per row, not needed through training
            if streaming:
                run_epoch(
                    X, targets, step_weight, weights, history, settings,
                    check_random_state(self.random_state),
                )  # fmt: skip
                best_validation_score = None
            elif online:
                best_validation_score = train_online(
                    X, targets, step_weight, weights, history, settings,
                    self.random_state, validation,
                )  # fmt: skip
            else:
                best_validation_score = train_full_batch(
                    X, targets, step_weight, weights, history, settings, validation
                )

            self._set_fitted_state(classes, settings, weights, history)
            self.n_samples_seen_ = n_samples_seen
            self.best_validation_score_ = best_validation_score
            if settings.perceptron:
                sample = (X, targets, sample_weight)
                if streaming:  # on a uniform sample of every chunk so far, not the last one alone
                    self._stream = stream_with(
                        getattr(self, "_stream", None) if continuing else None,
                        sample, unit, len(classes), self.random_state,
                    )  # fmt: skip
                    sample = self._stream["sample"]
                    sizes = self._stream["class_sizes"] / self._stream["unit"]
                else:
                    sizes = class_sizes(targets, sample_weight, len(classes), unit)
                self.temperature_ = fit_temperature(
                    self._net_input(sample[0]), *sample[1:], sizes,
                    largest=np.finfo(sample[0].dtype).max,
                )  # fmt: skip
            if not streaming:
                vars(self).pop("_stream", None)  # what partial_fit streamed before
        return self

    def _checked_data(self, X, y, classes, streaming, continuing):
        """X validated, the sorted classes and each sample's index among them.

        Weights learned in one precision go on learning in it: data of
        another dtype are cast to the weights' (as ``SGDClassifier`` keeps
        its ``coef_``'s), rather than the weights to the data's, which would
        round away what was learned in float64 or claim digits that float32
        training never had.
        """
        if streaming:
            if self.early_stopping and not continuing:
                raise ValueError(
                    "early_stopping=True needs fit, which holds out part of the data to "
                    "score every epoch; partial_fit sees one chunk at a time. Set "
                    "early_stopping=False for partial_fit, or call fit first (partial_fit "
                    "then goes on learning from each chunk, holding nothing out)."
                )
            classes = check_stream_classes(
                classes, self.classes_ if continuing else None, self.class_weight
            )
        elif continuing:
            # validate_data below would forget the feature count to check against
            validate_input(
                self, X, accept_sparse="csr", dtype=None, reset=False, ensure_all_finite=False
            )
        dtype = self._training_state["coef"].dtype if continuing else [np.float64, np.float32]
        X, y = validate_input(
            self, X, y, accept_sparse="csr", dtype=dtype, order="C",
            reset=not (streaming and continuing),
            ensure_all_finite=False,  # checked_squared_norms finds NaN and infinity
        )  # fmt: skip
        check_targets(y)
        if streaming:
            check_labels_in_classes(y, classes)
            return X, classes, np.searchsorted(classes, y)
        fitted_classes, targets = classes_and_targets(y)
        if len(fitted_classes) < 2:
            raise ValueError(
                f"The training data has samples of one class only ({fitted_classes[0]!r}); "
                "a classifier needs at least 2 classes."
            )
        if continuing and not np.array_equal(fitted_classes, self.classes_):
            raise ValueError(
                f"warm_start continues a fit on the classes {self.classes_.tolist()}, "
                f"but y has the classes {fitted_classes.tolist()}; set warm_start=False "
                "to start afresh."
            )
        return X, fitted_classes, targets

    def _settings(
        self, X, squared_norms, sample_weight, batch_size, n_neurons, online, n_samples_seen,
        learning_rate=None,
    ):  # fmt: skip
        """Every parameter resolved for this data (see _choices.py), and the activation.

        ``learning_rate``, if given, is the step to go on with.
        """
        alpha = self.alpha
        if alpha == "auto":
            alpha = auto_alpha(self.learning_rule, n_samples_seen)
        average = self.average
        average = auto_average(self.learning_rate, online) if average == "auto" else bool(average)
        if learning_rate is None and online:  # the full batch takes no fixed step
            learning_rate = self.learning_rate
            if learning_rate == "auto":
                learning_rate = auto_learning_rate(
                    self.learning_rule, n_neurons, X, squared_norms, sample_weight, batch_size,
                    alpha, average,
                )  # fmt: skip
            # "auto" steps are below 1 / alpha by construction (their product
            # reaches 1 only by rounding, when the penalty outweighs all else)
            elif learning_rate * alpha >= 1.0:
                raise ValueError(
                    f"learning_rate * alpha = {learning_rate:g} * {alpha:g} must be "
                    "below 1, or every update wipes out the weights; lower "
                    'learning_rate or alpha (alpha="auto" is 1 / n_samples_seen_).'
                )
            learning_rate = float(learning_rate)
        if self.learning_rule == "perceptron":
            activation = _kernels.STEP if n_neurons == 1 else _kernels.WINNER_TAKES_ALL
        else:
            activation = _kernels.SIGMOID if n_neurons == 1 else _kernels.SOFTMAX
        return Settings(
            activation=activation,
            learning_rate=learning_rate,
            alpha=alpha,
            batch_size=batch_size,
            average=average,
            shuffle=self.shuffle,
            max_iter=self.max_iter,
            tol=self.tol,
            n_iter_no_change=self.n_iter_no_change,
            verbose=self.verbose,
        )

    def _history(self):
        """The epoch table of the previous fit, to go on from."""
        validation = getattr(self, "validation_scores_", None)
        return History(
            loss=list(self.loss_curve_),
            mistakes=list(self.mistakes_curve_),
            validation=None if validation is None else list(validation),
        )

    def _set_fitted_state(self, classes, settings, weights, history):
        """Store what training learned, as plain arrays and numbers."""
        self.classes_ = classes
        self.batch_size_ = settings.batch_size
        self.average_ = bool(settings.average and settings.learning_rate is not None)
        self.learning_rate_ = settings.learning_rate
        self.alpha_ = settings.alpha
        self._training_state = weights.state()
        self.coef_, self.intercept_ = weights.reported(self.average_)
        self.loss_curve_ = history.loss
        self.mistakes_curve_ = history.mistakes
        self.validation_scores_ = history.validation
        self.n_iter_ = len(history.loss)
        self.temperature_ = 1.0

    # --- Predicting -------------------------------------------------------

    def _net_input(self, X):
        scores = X @ self.coef_.T + self.intercept_
        return scores.ravel() if scores.shape[1] == 1 else scores

    def decision_function(self, X):
        """The net input ``z = w·x + b`` of each neuron.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The samples.

        Returns
        -------
        scores : ndarray of shape (n_samples,) or (n_samples, n_classes)
            For two classes, the net input of the one neuron: positive means
            ``classes_[1]``. Otherwise one column per class.
        """
        check_is_fitted(self)
        X = validate_input(  # finiteness: see below
            self, X, accept_sparse="csr", dtype=[np.float64, np.float32], reset=False,
            ensure_all_finite=False,
        )  # fmt: skip
        scores = self._net_input(X)
        # NaN or infinity in X shows in the net input: look for it in X only
        # then, rather than spend a pass over X on every call.
        if not np.all(np.isfinite(scores)):
            assert_all_finite(X.data if sp.issparse(X) else X, input_name="X")
            raise ValueError(
                "The net input overflowed for these samples; scale the features as "
                "they were scaled for fit."
            )
        return scores

    def predict(self, X):
        """The class of each sample: the side of the boundary, or the winner.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The samples.

        Returns
        -------
        y : ndarray of shape (n_samples,)
            The predicted labels.
        """
        scores = self.decision_function(X)
        indices = (scores > 0).astype(np.intp) if scores.ndim == 1 else scores.argmax(axis=1)
        return self.classes_[indices]

    def predict_proba(self, X):
        """Probability of each class: the sigmoid or softmax of ``z / temperature_``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The samples.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Probabilities in the order of ``classes_``; rows sum to 1.
        """
        return probabilities(self.decision_function(X), self.temperature_)

    def predict_log_proba(self, X):
        """Logarithm of :meth:`predict_proba`, computed without underflow.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The samples.

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
            Log-probabilities in the order of ``classes_``.
        """
        return probabilities(self.decision_function(X), self.temperature_, log=True)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags

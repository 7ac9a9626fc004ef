"""NeuronClassifier: one artificial neuron (one per class for several classes)."""

import time
import warnings
from numbers import Integral, Real

import numpy as np
import scipy.sparse as sp
from scipy.special import expit, log_expit, log_softmax, softmax
from sklearn.base import BaseEstimator, ClassifierMixin, _fit_context
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import check_random_state, compute_class_weight
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import _check_sample_weight, check_is_fitted, validate_data

from . import _kernels
from ._calibration import fit_temperature
from ._learning_rate import auto_learning_rate
from ._momentum import NesterovMomentum

# ``batch_size="auto"`` trains on the full batch up to this many samples and
# one sample at a time above it. Measured with benchmarks/auto_batch_size.py:
# up to 300,000 samples the full batch (with momentum) was both faster and more
# accurate than online learning with a constant step.
AUTO_FULL_BATCH_MAX_SAMPLES = 300_000


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
        ``"auto"`` takes the full batch up to 300,000 samples and online
        learning above.

    learning_rate : float or "auto", default="auto"
        The step ``η``, constant through training. ``"auto"`` is 1 for the
        perceptron rule (whose predictions do not depend on ``η`` when
        ``alpha=0``) and, for the sigmoid rule, the largest step that the
        curvature of the log-loss allows for the chosen batch size; see Notes.

    alpha : float, default=1e-4
        Strength of the L2 penalty ``alpha / 2 · ‖w‖²`` (the bias is not
        penalised). Each update first shrinks the weights by ``1 − η·alpha``.

    max_iter : int, default=1000
        Maximum number of epochs (passes over the training data).

    tol : float or None, default=1e-4
        Training stops when the epoch's loss has not improved on the best loss
        by at least ``tol`` for ``n_iter_no_change`` epochs in a row; for the
        perceptron rule, whose criterion is 0 at zero weights, the weighted
        fraction of mistakes takes the place of the loss. With
        ``None`` it runs ``max_iter`` epochs, unless the perceptron rule makes
        no mistake in an epoch: it has then converged and stops.

    n_iter_no_change : int, default=5
        Epochs without improvement by ``tol`` before training stops.

    shuffle : bool, default=True
        Whether to shuffle the samples before every epoch (online and
        mini-batch learning; the full batch has no order).

    random_state : int, RandomState instance or None, default=None
        Seeds the shuffling. Pass an int for reproducible results.

    class_weight : dict, "balanced" or None, default=None
        Weights of the classes, multiplying the sample weights. ``"balanced"``
        weighs each class inversely to its frequency.

    verbose : int, default=0
        Print one line per epoch when positive.

    Attributes
    ----------
    coef_ : ndarray of shape (1, n_features) or (n_classes, n_features)
        The weights: one row for two classes, one row per class otherwise.

    intercept_ : ndarray of shape (1,) or (n_classes,)
        The biases.

    classes_ : ndarray of shape (n_classes,)
        The class labels.

    temperature_ : float
        The net input is divided by this before the sigmoid or softmax in
        :meth:`predict_proba`: 1 for the sigmoid rule, fitted to the training
        data for the perceptron rule (see Notes).

    n_iter_ : int
        The number of epochs run.

    loss_curve_ : list of float
        The loss of each epoch: the mean log-loss for the sigmoid rule, the
        mean perceptron criterion ``max(0, −margin)`` for the perceptron rule,
        each plus the L2 penalty.

    mistakes_curve_ : list of int
        The number of training samples the neuron got wrong in each epoch, as
        it met them.

    n_features_in_ : int
        Number of features seen during :meth:`fit`.

    feature_names_in_ : ndarray of shape (n_features_in_,)
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

    with ``s_i`` the sample weights divided by their mean. For the log-loss and
    the sigmoid, ``−∂ℓ/∂z = t − σ(z)``; for the perceptron criterion
    ``ℓ = max(0, −margin)`` and the step, ``−∂ℓ/∂z = t − step(z)``. A sample
    with ``z = 0`` counts as a mistake, as in scikit-learn's ``Perceptron``.

    ``learning_rate="auto"`` for the sigmoid rule is ``1 / L``, where ``L``
    bounds the curvature of the loss over a batch: ``c · mean‖(x, 1)‖²`` for
    one sample, ``c · λ_max`` of the inputs' second-moment matrix for the full
    batch, interpolated in between, with ``c = 1/4`` for the sigmoid and
    ``1/2`` for softmax.

    The probabilities of the perceptron rule are ``sigmoid(z / T)`` (softmax
    for several classes), where ``T = temperature_`` minimises the weighted
    log-loss on the training data against Platt's targets ``(N + 1)/(N + 2)``
    and ``1/(N + 2)`` for a class of ``N`` samples. They keep the ranking of
    :meth:`decision_function`, and their argmax is :meth:`predict`.

    References
    ----------
    F. Rosenblatt, "The perceptron: a probabilistic model for information
    storage and organization in the brain", Psychological Review 65 (1958).

    J. Platt, "Probabilistic outputs for support vector machines and
    comparisons to regularized likelihood methods" (1999).

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
        "alpha": [Interval(Real, 0, None, closed="left")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left"), None],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
        "shuffle": ["boolean"],
        "random_state": ["random_state"],
        "class_weight": [dict, StrOptions({"balanced"}), None],
        "verbose": ["verbose"],
    }

    def __init__(
        self,
        *,
        learning_rule="sigmoid",
        batch_size="auto",
        learning_rate="auto",
        alpha=1e-4,
        max_iter=1000,
        tol=1e-4,
        n_iter_no_change=5,
        shuffle=True,
        random_state=None,
        class_weight=None,
        verbose=0,
    ):
        self.learning_rule = learning_rule
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.alpha = alpha
        self.max_iter = max_iter
        self.tol = tol
        self.n_iter_no_change = n_iter_no_change
        self.shuffle = shuffle
        self.random_state = random_state
        self.class_weight = class_weight
        self.verbose = verbose

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Learn the weights from the training data.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data.

        y : array-like of shape (n_samples,)
            Class labels.

        sample_weight : array-like of shape (n_samples,), default=None
            Weights of the samples; only their ratios matter.

        Returns
        -------
        self : NeuronClassifier
            The fitted neuron.
        """
        X, y = validate_data(
            self,
            X,
            y,
            accept_sparse="csr",
            dtype=[np.float64, np.float32],
            order="C",
        )
        check_classification_targets(y)
        classes, targets = np.unique(y, return_inverse=True)
        if len(classes) < 2:
            raise ValueError(
                f"The training data has samples of one class only ({classes[0]!r}); "
                "a classifier needs at least 2 classes."
            )
        sample_weight = self._sample_weight(sample_weight, X, targets, classes)

        n_neurons = 1 if len(classes) == 2 else len(classes)
        coef = np.zeros((n_neurons, X.shape[1]), dtype=X.dtype)
        intercept = np.zeros(n_neurons, dtype=X.dtype)
        history = self._train(X, targets, sample_weight, coef, intercept)

        self.classes_ = classes
        self.coef_ = coef
        self.intercept_ = intercept
        self.n_iter_ = len(history["loss"])
        self.loss_curve_ = history["loss"]
        self.mistakes_curve_ = history["mistakes"]
        self.temperature_ = 1.0
        if self.learning_rule == "perceptron":
            self.temperature_ = fit_temperature(self._net_input(X), targets, sample_weight)
        return self

    def _sample_weight(self, sample_weight, X, targets, classes):
        """Sample weights times class weights."""
        if sample_weight is not None:
            sample_weight = np.asarray(sample_weight)
            if sample_weight.dtype.kind in "fc" and np.isnan(sample_weight).any():
                raise ValueError(
                    "sample_weight contains NaN; give every sample a finite non-negative weight."
                )
            if sample_weight.ndim == 1 and not np.any(sample_weight):
                raise ValueError(
                    "Every sample weight is zero; give some samples a positive weight."
                )
        sample_weight = _check_sample_weight(
            sample_weight, X, dtype=np.float64, ensure_non_negative=True
        )
        if self.class_weight is not None:
            class_weight = compute_class_weight(
                self.class_weight, classes=classes, y=classes[targets]
            )
            sample_weight = sample_weight * class_weight[targets]
        total = sample_weight.sum()
        if not np.isfinite(total):
            raise ValueError("sample_weight must be finite; rescale the weights.")
        present = np.bincount(targets, weights=sample_weight, minlength=len(classes)) > 0
        if present.sum() < 2:
            raise ValueError(
                "The samples of non-zero weight all belong to one class; a "
                "classifier needs at least 2 classes with positive weight."
            )
        return sample_weight

    def _activation(self, n_neurons):
        if self.learning_rule == "perceptron":
            return _kernels.STEP if n_neurons == 1 else _kernels.WINNER_TAKES_ALL
        return _kernels.SIGMOID if n_neurons == 1 else _kernels.SOFTMAX

    def _train(self, X, targets, sample_weight, coef, intercept):
        """Run the epochs; update ``coef`` and ``intercept`` in place."""
        n_samples = X.shape[0]
        n_neurons = coef.shape[0]
        activation = self._activation(n_neurons)
        perceptron = self.learning_rule == "perceptron"

        batch_size = self.batch_size
        if batch_size == "auto":
            batch_size = n_samples if n_samples <= AUTO_FULL_BATCH_MAX_SAMPLES else 1
        batch_size = min(batch_size, n_samples)
        full_batch = batch_size == n_samples

        learning_rate = self.learning_rate
        if learning_rate == "auto":
            if perceptron:
                learning_rate = 1.0
            else:
                curvature = 0.25 if n_neurons == 1 else 0.5
                learning_rate = auto_learning_rate(
                    X, sample_weight, batch_size, curvature, self.alpha
                )
        if learning_rate * self.alpha >= 1.0:
            raise ValueError(
                f"learning_rate * alpha = {learning_rate * self.alpha:g} must be "
                "below 1, or every update wipes out the weights; lower "
                "learning_rate or alpha."
            )

        if sp.issparse(X):
            epoch, rows = _kernels.sparse_epoch, (X.data, X.indices, X.indptr)
        else:
            epoch, rows = _kernels.dense_epoch, X
        targets = targets.astype(np.intp)
        # Divided by their mean, unit weights leave the textbook rule as it is.
        sample_weight = sample_weight * (n_samples / sample_weight.sum())
        order = np.arange(n_samples)
        rng = check_random_state(self.random_state)

        # A full-batch step follows the gradient of one fixed function, the
        # mean loss: momentum speeds it up (see _momentum.py).
        momentum = NesterovMomentum(coef, intercept) if full_batch else None
        # On data that no hyperplane separates the batch perceptron cycles, and
        # its last weights are no better than others: keep the weights that
        # made the fewest mistakes ("pocket algorithm", Gallant 1990).
        keep_best = full_batch and perceptron
        fewest_mistakes, pocket = np.inf, None
        history = {"loss": [], "mistakes": []}
        best_loss, epochs_without_improvement = np.inf, 0
        converged = False
        for _ in range(self.max_iter):
            start = time.perf_counter()
            if self.shuffle and not full_batch:
                rng.shuffle(order)
            if momentum is not None:
                momentum.look_ahead(coef, intercept)
            if keep_best:
                weights_before = coef.copy(), intercept.copy()
            # The penalty at the weights the epoch starts from, as is the loss
            # in full batch.
            penalty = 0.5 * self.alpha * float(np.sum(coef * coef))
            total_loss, weighted_mistakes, mistakes = epoch(
                rows,
                targets,
                sample_weight,
                order,
                coef,
                intercept,
                activation,
                learning_rate,
                self.alpha,
                batch_size,
            )
            if keep_best and weighted_mistakes < fewest_mistakes:
                fewest_mistakes, pocket = weighted_mistakes, weights_before
            loss = total_loss / n_samples + penalty
            if not (np.isfinite(loss) and np.all(np.isfinite(coef))):
                raise ValueError(
                    "Training diverged (the weights became infinite or NaN); "
                    "scale the features, e.g. with StandardScaler, or lower "
                    "learning_rate."
                )
            if momentum is not None and not perceptron and history["loss"]:
                if loss > history["loss"][-1]:
                    momentum.restart()
            history["loss"].append(loss)
            history["mistakes"].append(int(mistakes))
            if self.verbose:
                print(
                    f"-- Epoch {len(history['loss'])}, loss: {loss:.6f}, "
                    f"mistakes: {mistakes}, time: {time.perf_counter() - start:.4f} s"
                )
            if perceptron and mistakes == 0:
                converged = True
                break
            if self.tol is not None:
                # The perceptron criterion is 0 at zero weights, where every
                # sample is a mistake; the perceptron is judged by its mistakes.
                progress = weighted_mistakes / n_samples if perceptron else loss
                if progress > best_loss - self.tol:
                    epochs_without_improvement += 1
                else:
                    epochs_without_improvement = 0
                best_loss = min(best_loss, progress)
                if epochs_without_improvement >= self.n_iter_no_change:
                    converged = True
                    break
        if keep_best:
            coef[:], intercept[:] = pocket
        if not converged and self.tol is not None:
            warnings.warn(
                f"The neuron did not converge in max_iter={self.max_iter} epochs; "
                "raise max_iter, or scale the features.",
                ConvergenceWarning,
                stacklevel=3,
            )
        return history

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
        X = validate_data(self, X, accept_sparse="csr", dtype=[np.float64, np.float32], reset=False)
        return self._net_input(X)

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
        scores = self.decision_function(X) / self.temperature_
        if scores.ndim == 1:
            # expit(-z) rather than 1 - expit(z): no cancellation for large z
            return np.column_stack([expit(-scores), expit(scores)])
        return softmax(scores, axis=1)

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
        scores = self.decision_function(X) / self.temperature_
        if scores.ndim == 1:
            return np.column_stack([log_expit(-scores), log_expit(scores)])
        return log_softmax(scores, axis=1)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags

"""Softmax (multinomial logistic) regression from scratch in numpy.

The model is the slide-12 model: logits ``z = X @ W + b``, probabilities ``softmax(z)``, trained
by minimising the mean cross-entropy plus an L2 penalty on ``W`` (never on ``b``)::

    J(W, b) = mean_i cross_entropy(z_i, y_i) + (l2 / 2) * ||W||_F^2

Its gradient is ``dJ/dW = X.T @ (P - Y) / n + l2 * W`` and ``dJ/db = mean_i (P - Y)``, where ``P``
are the predicted probabilities and ``Y`` the one-hot labels: the famous ``p - y``.

The forward pass and the loss come from :mod:`softmax_teach.numerics` (``softmax`` and
``log_softmax``; the loss equals ``numerics.cross_entropy``, written out so that one
``log_softmax`` serves both the loss and the gradient), so nothing here overflows. ``tests/test_regression.py``
compares the fitted model with scikit-learn's ``LogisticRegression`` and the gradient with
central differences and torch autograd.

The penalty and scikit-learn's ``C``
------------------------------------
scikit-learn minimises the *summed* loss, ``C * sum_i loss_i + ||W||^2 / 2``. Dividing by
``C * n`` gives ``mean_i loss_i + ||W||^2 / (2 C n)``, which is ``J`` above with
``l2 = 1 / (C * n)`` (``n`` training samples). So ``LogisticRegression(C=C)`` and
``SoftmaxRegression(l2=1 / (C * n))`` minimise the same function; :func:`l2_from_C` and
:func:`C_from_l2` do the conversion, and ``l2 = 0`` is ``C = inf`` (no penalty).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from softmax_teach import _validation
from softmax_teach.numerics import log_softmax, one_hot, softmax
from softmax_teach.reference import central_difference

__all__ = [
    "SoftmaxRegression",
    "GradientCheck",
    "l2_from_C",
    "C_from_l2",
    "standardize",
]


def l2_from_C(C, n_samples):
    """The ``l2`` of :class:`SoftmaxRegression` equal to scikit-learn's ``C``: ``1 / (C n)``.

    Parameters
    ----------
    C : float
        scikit-learn's inverse regularisation strength (``> 0``; ``inf`` means no penalty).
    n_samples : int
        Number of training samples (scikit-learn sums the loss over them, this package
        averages it).

    Returns
    -------
    float

    Examples
    --------
    >>> l2_from_C(1.0, 100)
    0.01
    """
    C = _validation.positive_real(C, "C", finite=False)
    n_samples = _validation.positive_int(n_samples, "n_samples")
    return 0.0 if np.isinf(C) else 1.0 / (C * n_samples)


def C_from_l2(l2, n_samples):
    """scikit-learn's ``C`` for a given ``l2``: ``1 / (l2 n)`` (``inf`` for ``l2 = 0``).

    Examples
    --------
    >>> C_from_l2(0.01, 100)
    1.0
    """
    l2 = _validation.non_negative_real(l2, "l2")
    n_samples = _validation.positive_int(n_samples, "n_samples")
    return np.inf if l2 == 0 else 1.0 / (l2 * n_samples)


def standardize(X_train, *others):
    """Scale every feature to mean 0 and standard deviation 1, using the training set's statistics.

    Constant features (standard deviation 0, e.g. the always-blank corner pixels of the digits)
    are only centred. Gradient descent needs this much more than L-BFGS does: one step size has
    to suit every feature.

    Parameters
    ----------
    X_train : array_like, shape (n, d)
    *others : array_like, shape (m, d)
        Further sets (validation, test) scaled with the *training* mean and deviation.

    Returns
    -------
    tuple of ndarray
        The scaled training set followed by the scaled other sets.
    """
    X_train = np.asarray(X_train, dtype=float)
    mean = X_train.mean(axis=0)
    scale = X_train.std(axis=0)
    scale = np.where(scale > 0, scale, 1.0)
    return tuple((np.asarray(X, dtype=float) - mean) / scale for X in (X_train, *others))


@dataclass(frozen=True)
class GradientCheck:
    """Analytic gradient against central differences, parameter by parameter.

    Attributes
    ----------
    analytic, numerical : ndarray
        Both gradients, flattened as ``[W.ravel(), b]``.
    max_abs_error : float
        Largest absolute difference.
    max_relative_error : float
        Largest ``|a - f| / max(|a| + |f|, tiny)``: well below 1e-5 means the formula is right
        (rounding inflates it most for the smallest gradient entries); around 1e-2 or larger
        means a bug.
    """

    analytic: np.ndarray
    numerical: np.ndarray
    max_abs_error: float
    max_relative_error: float

    def __repr__(self) -> str:
        return (
            f"GradientCheck({self.analytic.size} parameters: max abs error "
            f"{self.max_abs_error:.2e}, max relative error {self.max_relative_error:.2e})"
        )


class SoftmaxRegression:
    """Multinomial logistic regression trained by full-batch gradient descent.

    Parameters
    ----------
    n_features : int
        Number of input features ``d``.
    n_classes : int
        Number of classes ``C`` (at least 2).
    l2 : float, optional
        Strength of the penalty ``(l2 / 2) * ||W||^2`` added to the *mean* cross-entropy (the
        bias is not penalised). scikit-learn's ``LogisticRegression(C=C)`` on ``n`` samples is
        ``l2 = 1 / (C * n)``; see :func:`l2_from_C`.
    learning_rate : float or "auto", optional
        The step size. ``"auto"`` (default) uses ``1 / L``, where
        ``L = 0.5 * sigma_max([X, 1])^2 / n + l2`` bounds the curvature of the loss (the
        Hessian of softmax cross-entropy in the logits is at most 1/2), the largest step that
        is always safe.
    optimizer : {"nesterov", "gd"}, optional
        ``"nesterov"`` (default): Nesterov's accelerated gradient with adaptive restart
        (O'Donoghue & Candes, 2015), which reaches the optimum in hundreds of steps instead of
        tens of thousands. ``"gd"``: plain gradient descent, as on the slide.
    init_scale : float, optional
        Initial weights are ``init_scale * N(0, 1)`` (the slide uses ``np.random.randn``, i.e.
        1.0); default 0.01. The bias starts at 0.
    random_state : int, numpy.random.Generator or None, optional
        Seeds the initial weights.

    Attributes
    ----------
    weights : ndarray, shape (n_features, n_classes)
    bias : ndarray, shape (n_classes,)
    loss_history_ : list of float
        The objective ``J`` before each step and after the last one.
    n_iter_ : int
        Steps taken by the last :meth:`fit` (fewer than asked when the gradient vanished).

    Notes
    -----
    Inputs are used as given: standardise them first (:func:`standardize`) so one step size
    suits every feature; the class never rescales behind your back.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[0.0, 0.0], [1.0, 1.0], [2.0, 0.0]])
    >>> model = SoftmaxRegression(2, 3, l2=0.01, random_state=0).fit(X, [0, 1, 2])
    >>> model.predict(X)
    array([0, 1, 2])
    """

    def __init__(
        self,
        n_features,
        n_classes,
        *,
        l2=0.0,
        learning_rate="auto",
        optimizer="nesterov",
        init_scale=0.01,
        random_state=None,
    ):
        self.n_features = _validation.positive_int(n_features, "n_features")
        self.n_classes = _validation.positive_int(n_classes, "n_classes")
        if self.n_classes < 2:
            raise ValueError(f"n_classes must be at least 2, got {n_classes!r}")
        self.l2 = _validation.non_negative_real(l2, "l2")
        if not (isinstance(learning_rate, str) and learning_rate == "auto"):
            learning_rate = _validation.positive_real(learning_rate, "learning_rate")
        self.learning_rate = learning_rate
        if optimizer not in ("nesterov", "gd"):
            raise ValueError(f"optimizer must be 'nesterov' or 'gd', got {optimizer!r}")
        self.optimizer = optimizer
        self.init_scale = _validation.non_negative_real(init_scale, "init_scale")
        rng = random_state if isinstance(random_state, np.random.Generator) else np.random.default_rng(random_state)
        self.weights = self.init_scale * rng.standard_normal((self.n_features, self.n_classes))
        self.bias = np.zeros(self.n_classes)
        self.loss_history_ = []
        self.n_iter_ = 0

    # ------------------------------------------------------------------ validation

    def _check_X(self, X, name="X"):
        try:
            X = np.asarray(X, dtype=float)
        except (TypeError, ValueError):
            raise ValueError(f"{name} must be a 2-D array of numbers, got {type(X).__name__}") from None
        if X.ndim != 2 or X.shape[1] != self.n_features:
            raise ValueError(f"{name} must have shape (n_samples, {self.n_features}), got shape {X.shape}")
        if X.shape[0] == 0:
            raise ValueError(f"{name} has no samples (shape {X.shape})")
        if not np.isfinite(X).all():
            row = int(np.argwhere(~np.isfinite(X))[0, 0])
            raise ValueError(f"{name} contains nan or inf (first in row {row}: {X[row]})")
        return X

    def _check_y(self, y, n_samples):
        """Return the labels as probability rows of shape (n_samples, n_classes)."""
        y = np.asarray(y)
        if y.ndim == 1:
            if y.dtype.kind not in "iu":
                raise ValueError(
                    f"y of shape {y.shape} must hold integer class labels, got dtype {y.dtype} "
                    "(pass one-hot rows as a 2-D array)"
                )
            if y.shape[0] != n_samples:
                raise ValueError(f"y has {y.shape[0]} labels but X has {n_samples} samples")
            return one_hot(y, self.n_classes)
        if y.ndim == 2:
            if y.dtype.kind not in "biuf":
                raise ValueError(f"one-hot y must be numbers, got dtype {y.dtype}")
            if y.shape != (n_samples, self.n_classes):
                raise ValueError(
                    f"one-hot y must have shape (n_samples, n_classes) = ({n_samples}, {self.n_classes}), got {y.shape}"
                )
            y = y.astype(float)
            if not np.isfinite(y).all() or (y < 0).any():
                raise ValueError("one-hot y must hold finite, non-negative numbers (nan or a negative found)")
            totals = y.sum(axis=1)
            if not np.allclose(totals, 1.0):
                row = int(np.argmax(~np.isclose(totals, 1.0)))
                raise ValueError(f"each row of one-hot y must sum to 1; row {row} sums to {totals[row]:.6g}")
            return y
        raise ValueError(f"y must be 1-D integer labels or 2-D one-hot rows, got shape {y.shape}")

    # ------------------------------------------------------------------ model

    def decision_function(self, X):
        """The logits ``X @ W + b``, shape (n_samples, n_classes)."""
        return self._check_X(X) @ self.weights + self.bias

    def predict_proba(self, X):
        """Class probabilities ``softmax(X @ W + b)``, each row summing to 1."""
        return softmax(self.decision_function(X), axis=-1)

    def predict(self, X):
        """The most probable class of each row."""
        return np.argmax(self.decision_function(X), axis=1)

    def score(self, X, y):
        """Accuracy: the fraction of rows whose predicted class is the label (or the one-hot's arg-max)."""
        X = self._check_X(X)
        labels = self._check_y(y, X.shape[0]).argmax(axis=1)
        return float(np.mean(self.predict(X) == labels))

    def loss(self, X, y):
        """The objective ``J``: mean cross-entropy plus ``(l2 / 2) ||W||^2``."""
        X = self._check_X(X)
        Y = self._check_y(y, X.shape[0])
        return self._loss(self.weights, self.bias, X, Y)

    def gradient(self, X, y):
        """``(dJ/dW, dJ/db)`` at the current parameters."""
        X = self._check_X(X)
        Y = self._check_y(y, X.shape[0])
        return self._gradient(self.weights, self.bias, X, Y)

    def _loss_and_gradient(self, weights, bias, X, Y, need_gradient=True):
        """``J`` and ``(dJ/dW, dJ/db)`` from one forward pass (the gradient is None if not needed)."""
        log_probabilities = log_softmax(X @ weights + bias, axis=-1)
        # Cross-entropy of probability rows Y; 0 * log(p) counts as 0 for classes Y never names.
        cross_entropy = -float(np.sum(np.where(Y > 0, Y * log_probabilities, 0.0))) / X.shape[0]
        loss = cross_entropy + 0.5 * self.l2 * float(np.sum(weights**2))
        if not need_gradient:
            return loss, None
        error = np.exp(log_probabilities) - Y  # p - y, one row per sample
        d_weights = X.T @ error / X.shape[0] + self.l2 * weights
        d_bias = error.mean(axis=0)
        return loss, (d_weights, d_bias)

    def _loss(self, weights, bias, X, Y):
        return self._loss_and_gradient(weights, bias, X, Y, need_gradient=False)[0]

    def _gradient(self, weights, bias, X, Y):
        return self._loss_and_gradient(weights, bias, X, Y)[1]

    def step_size(self, X):
        """The step :meth:`fit` uses on ``X``: ``learning_rate``, or ``1 / L`` when it is "auto"."""
        if self.learning_rate != "auto":
            return float(self.learning_rate)
        X = self._check_X(X)
        with_bias = np.hstack([X, np.ones((X.shape[0], 1))])
        curvature = 0.5 * np.linalg.norm(with_bias, 2) ** 2 / X.shape[0] + self.l2
        return 1.0 / curvature

    def fit(self, X, y, n_iterations=2000, *, tol=1e-6):
        """Minimise ``J`` by full-batch gradient descent from the current parameters.

        Parameters
        ----------
        X : array_like, shape (n_samples, n_features)
            Finite inputs (standardise them first).
        y : array_like
            Integer labels of shape ``(n_samples,)`` in ``0 .. n_classes - 1``, or one-hot (or
            any probability) rows of shape ``(n_samples, n_classes)``.
        n_iterations : int, optional
            Maximum number of steps.
        tol : float, optional
            Stop early once every gradient entry is below ``tol`` in absolute value.

        Returns
        -------
        SoftmaxRegression
            ``self``, so ``model.fit(X, y).score(X, y)`` works.
        """
        X = self._check_X(X)
        Y = self._check_y(y, X.shape[0])
        n_iterations = _validation.integer(n_iterations, "n_iterations", minimum=0)
        tol = _validation.non_negative_real(tol, "tol")
        # These matrices are small: multi-threaded BLAS spends more time synchronising threads
        # than multiplying (measured 10-25x slower on a busy 2-core machine), and one thread
        # also makes every run round identically.
        from threadpoolctl import threadpool_limits

        with threadpool_limits(limits=1, user_api="blas"):
            step = self.step_size(X)
            weights, bias, history = self._descend(X, Y, step, n_iterations, tol)
        self.weights, self.bias = weights, bias
        self.loss_history_ = history
        return self

    def _descend(self, X, Y, step, n_iterations, tol):
        weights, bias = self.weights.copy(), self.bias.copy()
        previous_weights, previous_bias = weights.copy(), bias.copy()
        momentum_t = 1.0
        history = []
        self.n_iter_ = 0
        for _ in range(n_iterations):
            if self.optimizer == "nesterov":
                next_t = (1 + np.sqrt(1 + 4 * momentum_t**2)) / 2
                beta = (momentum_t - 1) / next_t
                look_weights = weights + beta * (weights - previous_weights)
                look_bias = bias + beta * (bias - previous_bias)
                history.append(self._loss(weights, bias, X, Y))
                d_weights, d_bias = self._gradient(look_weights, look_bias, X, Y)
            else:
                next_t, look_weights, look_bias = momentum_t, weights, bias
                loss, (d_weights, d_bias) = self._loss_and_gradient(weights, bias, X, Y)
                history.append(loss)
            if max(np.abs(d_weights).max(), np.abs(d_bias).max()) < tol:
                break
            previous_weights, previous_bias = weights, bias
            weights = look_weights - step * d_weights
            bias = look_bias - step * d_bias
            momentum_t = next_t
            self.n_iter_ += 1
            # Adaptive restart: when the step points uphill against the momentum, forget it.
            moved = np.sum(d_weights * (weights - previous_weights)) + np.sum(d_bias * (bias - previous_bias))
            if self.optimizer == "nesterov" and moved > 0:
                momentum_t = 1.0
                previous_weights, previous_bias = weights, bias
        history.append(self._loss(weights, bias, X, Y))
        return weights, bias, history

    def gradient_check(self, X, y, *, epsilon=1e-6):
        """Compare :meth:`gradient` with central differences ``(J(t + e) - J(t - e)) / 2e``.

        Every weight and bias is nudged in turn (``2 (d + 1) C`` loss evaluations), so use a
        small ``X``.

        Returns
        -------
        GradientCheck
        """
        X = self._check_X(X)
        Y = self._check_y(y, X.shape[0])
        epsilon = _validation.positive_real(epsilon, "epsilon")
        d_weights, d_bias = self.gradient(X, y)  # the public method: a subclass's gradient is checked too
        analytic = np.concatenate([d_weights.ravel(), d_bias])
        parameters = np.concatenate([self.weights.ravel(), self.bias])
        n_weights = self.weights.size

        def objective(flat):
            weights = flat[:n_weights].reshape(self.weights.shape)
            return self._loss(weights, flat[n_weights:], X, Y)

        numerical = central_difference(objective, parameters, step=epsilon)
        difference = np.abs(analytic - numerical)
        scale = np.maximum(np.abs(analytic) + np.abs(numerical), np.finfo(float).tiny)
        return GradientCheck(analytic, numerical, float(difference.max()), float((difference / scale).max()))

    def __repr__(self) -> str:
        return (
            f"SoftmaxRegression(n_features={self.n_features}, n_classes={self.n_classes}, "
            f"l2={self.l2:g}, learning_rate={self.learning_rate!r}, optimizer={self.optimizer!r})"
        )

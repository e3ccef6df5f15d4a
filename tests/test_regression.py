"""SoftmaxRegression against scikit-learn, torch autograd, central differences and the slide's loop."""

import numpy as np
import pytest
import torch
from scipy.special import softmax as scipy_softmax
from sklearn.datasets import load_digits, load_iris
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from threadpoolctl import threadpool_limits

from softmax_teach.numerics import cross_entropy, one_hot
from softmax_teach.regression import (
    C_from_l2,
    SoftmaxRegression,
    l2_from_C,
    standardize,
)


def _split(loader):
    X, y = loader(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.3, random_state=0, stratify=y)
    X_train, X_test = standardize(X_train, X_test)
    return X_train, X_test, y_train, y_test


@pytest.fixture(scope="module")
def iris():
    return _split(load_iris)


def _small_problem(seed=0, n=12, d=3, k=4):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d))
    y = rng.integers(0, k, size=n)
    return X, y


# ---------------------------------------------------------------------- scikit-learn


@pytest.mark.parametrize(
    "loader, C", [(load_iris, 1.0), (load_iris, 0.1), (load_digits, 1.0)], ids=["iris-C1", "iris-C0.1", "digits-C1"]
)
def test_matches_sklearn_multinomial_logistic_regression(loader, C):
    X_train, X_test, y_train, y_test = _split(loader)
    n_classes = int(y_train.max()) + 1
    with threadpool_limits(limits=1, user_api="blas"):
        reference = LogisticRegression(C=C, max_iter=2000).fit(X_train, y_train)
    model = SoftmaxRegression(X_train.shape[1], n_classes, l2=l2_from_C(C, len(y_train)), random_state=0)
    model.fit(X_train, y_train)
    accuracy_gap = abs(model.score(X_test, y_test) - reference.score(X_test, y_test))
    probability_gap = np.abs(model.predict_proba(X_test) - reference.predict_proba(X_test)).mean()
    print(f"accuracy gap {accuracy_gap:.4f}, mean |p - p_sklearn| {probability_gap:.2e}")
    assert accuracy_gap <= 0.02
    assert probability_gap < 0.02


def test_l2_mapping_makes_sklearns_solution_our_optimum(iris):
    # With l2 = 1 / (C n) our objective is sklearn's divided by C n, so sklearn's tight optimum
    # must have (near) zero gradient under our objective; a wrong mapping leaves a large one.
    X_train, _, y_train, _ = iris
    C = 0.5
    with threadpool_limits(limits=1, user_api="blas"):
        reference = LogisticRegression(C=C, tol=1e-12, max_iter=10000).fit(X_train, y_train)
    model = SoftmaxRegression(4, 3, l2=l2_from_C(C, len(y_train)))
    model.weights, model.bias = reference.coef_.T.copy(), reference.intercept_.copy()
    d_weights, d_bias = model.gradient(X_train, y_train)
    assert max(np.abs(d_weights).max(), np.abs(d_bias).max()) < 1e-6
    wrong = SoftmaxRegression(4, 3, l2=1 / C)  # forgetting that sklearn sums over samples
    wrong.weights, wrong.bias = model.weights, model.bias
    assert np.abs(wrong.gradient(X_train, y_train)[0]).max() > 1e-2


def test_C_and_l2_convert_both_ways():
    assert l2_from_C(2.0, 50) == pytest.approx(0.01)
    assert C_from_l2(l2_from_C(3.0, 7), 7) == pytest.approx(3.0)
    assert l2_from_C(np.inf, 10) == 0.0 and C_from_l2(0.0, 10) == np.inf
    with pytest.raises(ValueError, match="C"):
        l2_from_C(0.0, 10)


# ---------------------------------------------------------------------- gradient and loss


def test_loss_and_gradient_match_torch_autograd():
    X, y = _small_problem()
    model = SoftmaxRegression(3, 4, l2=0.3, init_scale=1.0, random_state=1)
    weights = torch.tensor(model.weights, requires_grad=True)
    bias = torch.tensor(model.bias + 0.1, requires_grad=True)
    model.bias = model.bias + 0.1
    loss = torch.nn.functional.cross_entropy(torch.tensor(X) @ weights + bias, torch.tensor(y))
    loss = loss + 0.5 * 0.3 * (weights**2).sum()
    loss.backward()
    assert model.loss(X, y) == pytest.approx(loss.item(), rel=1e-12)
    d_weights, d_bias = model.gradient(X, y)
    np.testing.assert_allclose(d_weights, weights.grad.numpy(), rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(d_bias, bias.grad.numpy(), rtol=1e-10, atol=1e-14)


def test_loss_is_the_packages_cross_entropy_plus_the_penalty():
    X, y = _small_problem(seed=2)
    model = SoftmaxRegression(3, 4, l2=0.2, init_scale=1.0, random_state=2)
    expected = cross_entropy(X @ model.weights + model.bias, y) + 0.1 * np.sum(model.weights**2)
    assert model.loss(X, y) == pytest.approx(float(expected), rel=1e-12)


def test_gradient_check_passes_for_the_model_and_catches_a_wrong_gradient():
    X, y = _small_problem(seed=3)
    model = SoftmaxRegression(3, 4, l2=0.5, init_scale=1.0, random_state=3)
    check = model.gradient_check(X, y)
    assert check.analytic.shape == (3 * 4 + 4,)
    assert check.max_relative_error < 1e-6

    class ForgetsThePenalty(SoftmaxRegression):
        def gradient(self, X, y):
            d_weights, d_bias = super().gradient(X, y)
            return d_weights - self.l2 * self.weights, d_bias

    model = ForgetsThePenalty(3, 4, l2=0.5, init_scale=1.0, random_state=3)
    assert model.gradient_check(X, y).max_relative_error > 1e-2


def test_predict_proba_is_softmax_of_the_logits_and_predict_its_argmax(iris):
    X_train, _, y_train, _ = iris
    model = SoftmaxRegression(4, 3, random_state=0, init_scale=1.0)
    expected = scipy_softmax(X_train @ model.weights + model.bias, axis=1)
    np.testing.assert_allclose(model.predict_proba(X_train), expected, rtol=1e-12)
    np.testing.assert_array_equal(model.predict(X_train), expected.argmax(axis=1))
    assert model.score(X_train, y_train) == pytest.approx(np.mean(expected.argmax(axis=1) == y_train))


# ---------------------------------------------------------------------- training


def test_integer_labels_and_one_hot_rows_train_the_same_model(iris):
    X_train, _, y_train, _ = iris
    a = SoftmaxRegression(4, 3, l2=0.01, random_state=5).fit(X_train, y_train, n_iterations=50)
    b = SoftmaxRegression(4, 3, l2=0.01, random_state=5).fit(X_train, one_hot(y_train, 3), n_iterations=50)
    np.testing.assert_array_equal(a.weights, b.weights)
    assert a.loss_history_ == b.loss_history_


def test_same_seed_same_model_and_different_seed_different_start():
    assert np.array_equal(
        SoftmaxRegression(3, 2, random_state=7).weights, SoftmaxRegression(3, 2, random_state=7).weights
    )
    assert not np.array_equal(
        SoftmaxRegression(3, 2, random_state=7).weights, SoftmaxRegression(3, 2, random_state=8).weights
    )


def test_plain_gd_reproduces_the_slides_training_loop():
    # The slide's loop, written out, from the same initial weights.
    X = np.array([[1, 2], [2, 3], [3, 4], [4, 5]], dtype=float)
    Y = np.array([[1, 0, 0], [0, 1, 0], [0, 0, 1], [1, 0, 0]])
    model = SoftmaxRegression(2, 3, learning_rate=0.01, optimizer="gd", init_scale=1.0, random_state=0)
    weights, bias = model.weights.copy(), model.bias.copy()
    for _ in range(100):
        z = X @ weights + bias
        exp_z = np.exp(z - z.max(axis=1, keepdims=True))
        error = exp_z / exp_z.sum(axis=1, keepdims=True) - Y
        weights -= 0.01 * X.T @ error / 4
        bias -= 0.01 * error.sum(axis=0) / 4
    model.fit(X, Y, n_iterations=100, tol=0)
    np.testing.assert_allclose(model.weights, weights, rtol=1e-12)
    np.testing.assert_allclose(model.bias, bias, rtol=1e-12, atol=1e-15)
    assert len(model.loss_history_) == 101 and model.n_iter_ == 100


def test_gd_with_the_auto_step_never_increases_the_loss(iris):
    X_train, _, y_train, _ = iris
    model = SoftmaxRegression(4, 3, l2=0.01, optimizer="gd", random_state=0).fit(X_train, y_train, n_iterations=200)
    assert np.all(np.diff(model.loss_history_) <= 1e-12)


def test_nesterov_reaches_a_vanishing_gradient_faster_than_gd(iris):
    X_train, _, y_train, _ = iris
    fast = SoftmaxRegression(4, 3, l2=0.01, random_state=0).fit(X_train, y_train, n_iterations=3000, tol=1e-6)
    slow = SoftmaxRegression(4, 3, l2=0.01, optimizer="gd", random_state=0).fit(
        X_train, y_train, n_iterations=3000, tol=1e-6
    )
    d_weights, d_bias = fast.gradient(X_train, y_train)
    assert max(np.abs(d_weights).max(), np.abs(d_bias).max()) < 1e-5
    assert fast.n_iter_ < slow.n_iter_
    assert fast.loss_history_[-1] <= slow.loss_history_[-1] + 1e-9


def test_standardize_uses_training_statistics_and_leaves_constant_features_finite():
    train = np.array([[1.0, 5.0], [3.0, 5.0]])
    test = np.array([[2.0, 7.0]])
    scaled_train, scaled_test = standardize(train, test)
    np.testing.assert_allclose(scaled_train, [[-1.0, 0.0], [1.0, 0.0]])
    np.testing.assert_allclose(scaled_test, [[0.0, 2.0]])


# ---------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    "X, y, message",
    [
        (np.zeros((4, 3)), np.zeros(4, dtype=int), r"shape \(n_samples, 2\)"),
        (np.zeros(4), np.zeros(4, dtype=int), r"shape \(n_samples, 2\)"),
        (np.zeros((0, 2)), np.zeros(0, dtype=int), "no samples"),
        (np.array([[0.0, np.nan], [1.0, 1.0]]), np.array([0, 1]), "nan"),
        (np.zeros((2, 2)), np.array([0, 3]), "label 3 is out of range"),
        (np.zeros((2, 2)), np.array([0, -1]), "label -1 is out of range"),
        (np.zeros((2, 2)), np.array([0.0, 1.0]), "integer class labels"),
        (np.zeros((2, 2)), np.array([0, 1, 2]), "3 labels but X has 2"),
        (np.zeros((2, 2)), np.array([[1, 0, 0], [0, 1, 1]]), "row 1 sums to 2"),
        (np.zeros((2, 2)), np.array([[1, 0], [0, 1]]), r"\(2, 3\)"),
        (np.zeros((2, 2)), np.array([[1, 0, np.nan], [0, 1, 0]]), "nan"),
    ],
)
def test_fit_rejects_bad_input_with_a_clear_message(X, y, message):
    with pytest.raises(ValueError, match=message):
        SoftmaxRegression(2, 3).fit(X, y)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"n_features": 0, "n_classes": 3}, "n_features"),
        ({"n_features": 2, "n_classes": 1}, "n_classes"),
        ({"n_features": 2, "n_classes": 3, "l2": -1.0}, "l2"),
        ({"n_features": 2, "n_classes": 3, "l2": np.nan}, "l2"),
        ({"n_features": 2, "n_classes": 3, "learning_rate": 0}, "learning_rate"),
        ({"n_features": 2, "n_classes": 3, "learning_rate": "fast"}, "learning_rate"),
        ({"n_features": 2, "n_classes": 3, "optimizer": "adam"}, "optimizer"),
    ],
)
def test_constructor_rejects_bad_settings(kwargs, message):
    with pytest.raises(ValueError, match=message):
        SoftmaxRegression(**kwargs)


def test_predict_rejects_wrong_width_and_fit_rejects_bad_iterations():
    model = SoftmaxRegression(2, 3)
    with pytest.raises(ValueError, match=r"got shape \(1, 5\)"):
        model.predict(np.zeros((1, 5)))
    with pytest.raises(ValueError, match="n_iterations"):
        model.fit(np.zeros((2, 2)), [0, 1], n_iterations=-1)


# ---------------------------------------------------------------------- exercise checks and plots


def test_check_l2_for_C_accepts_the_mapping_and_names_the_usual_mistakes():
    from softmax_teach.exercises.regression import check_l2_for_C

    assert check_l2_for_C(1 / (10.0 * 105), C=10.0, n_samples=105)
    assert "divide by the number of samples" in check_l2_for_C(0.1, C=10.0, n_samples=105).message
    assert "inverse" in check_l2_for_C(1050.0, C=10.0, n_samples=105).message
    assert "factor 2" in check_l2_for_C(1 / (2 * 1050), C=10.0, n_samples=105).message
    assert not check_l2_for_C("small", C=10.0, n_samples=105)
    assert "C is missing" in check_l2_for_C(1 / 105, C=10.0, n_samples=105).message
    assert "not n / C" in check_l2_for_C(10.5, C=10.0, n_samples=105).message


def test_check_weight_gradient_accepts_torch_s_gradient_and_names_the_usual_mistakes():
    from softmax_teach.exercises.regression import check_weight_gradient

    X, y = _small_problem(seed=4, n=6, d=3, k=3)
    rng = np.random.default_rng(4)
    weights, bias, l2 = rng.standard_normal((3, 3)), rng.standard_normal(3), 0.5
    W = torch.tensor(weights, requires_grad=True)
    loss = torch.nn.functional.cross_entropy(torch.tensor(X) @ W + torch.tensor(bias), torch.tensor(y))
    (loss + 0.5 * l2 * (W**2).sum()).backward()
    right = W.grad.numpy()
    assert check_weight_gradient(right, X, y, weights, bias, l2=l2)
    P, Y = scipy_softmax(X @ weights + bias, axis=1), np.eye(3)[y]
    messages = {
        "sign": check_weight_gradient(-right, X, y, weights, bias, l2=l2).message,
        "averaged": check_weight_gradient(X.T @ (P - Y) + l2 * weights, X, y, weights, bias, l2=l2).message,
        "penalty": check_weight_gradient(X.T @ (P - Y) / 6, X, y, weights, bias, l2=l2).message,
        "2·l2": check_weight_gradient(X.T @ (P - Y) / 6 + 2 * l2 * weights, X, y, weights, bias, l2=l2).message,
        "shape": check_weight_gradient(np.zeros((2, 3)), X, y, weights, bias, l2=l2).message,
        "not divided by n": check_weight_gradient(X.T @ (P - Y) / 6 + l2 * weights / 6, X, y, weights, bias, l2=l2),
        "adds to the loss": check_weight_gradient(X.T @ (P - Y) / 6 - l2 * weights, X, y, weights, bias, l2=l2),
        "you used y - p": check_weight_gradient(X.T @ (Y - P) / 6 + l2 * weights, X, y, weights, bias, l2=l2),
        "logits": check_weight_gradient(X.T @ (X @ weights + bias - Y) / 6 + l2 * weights, X, y, weights, bias, l2=l2),
        "rounded to 4 decimals": check_weight_gradient(np.round(right, 4), X, y, weights, bias, l2=l2),
    }
    for expected, message in messages.items():
        assert expected in str(message), message


def test_regression_plots_draw_regions_and_curves():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from softmax_teach.plots.regression import decision_regions, optimality_gap_curves

    X, y = _small_problem(seed=5, n=30, d=2, k=3)
    model = SoftmaxRegression(2, 3, l2=0.1).fit(X, y)
    ax = decision_regions(model.predict_proba, X, y, resolution=20, feature_names=["a", "b"])
    assert len(ax.images) == 1 and ax.images[0].get_array().shape == (20, 20, 3)
    assert ax.get_xlabel() == "a"
    ax = optimality_gap_curves({"run": model.loss_history_}, optimum=model.loss_history_[-1] - 1e-3)
    assert len(ax.lines) == 1
    with pytest.raises(ValueError, match=r"shape \(n, 2\)"):
        decision_regions(model.predict_proba, np.zeros((3, 4)), y[:3])
    plt.close("all")


def test_check_l2_for_C_accepts_two_significant_figures():
    from softmax_teach.exercises.regression import check_l2_for_C

    assert check_l2_for_C(0.00095, C=10.0, n_samples=105)
    assert check_l2_for_C(np.array(0.00095), C=10.0, n_samples=105)
    assert not check_l2_for_C(0.0009, C=10.0, n_samples=105)


def test_check_weight_gradient_names_both_missing_terms():
    from softmax_teach.exercises.regression import check_weight_gradient

    rng = np.random.default_rng(0)
    X, y, W = rng.normal(size=(6, 3)), np.array([0, 2, 1, 2, 0, 1]), rng.normal(size=(3, 3))
    P = scipy_softmax(X @ W, axis=1)
    message = check_weight_gradient(X.T @ (P - np.eye(3)[y]), X, y, W, np.zeros(3), l2=0.5).message
    assert "two things" in message and "divide" in message and "l2 * W" in message


def test_check_unpenalised_fit():
    from sklearn.datasets import load_digits

    from softmax_teach.exercises.regression import check_unpenalised_fit
    from softmax_teach.regression import SoftmaxRegression, standardize

    digits = load_digits()
    (X,) = standardize(digits.data)
    free = SoftmaxRegression(64, 10, l2=0.0, random_state=0).fit(X, digits.target, n_iterations=500)
    feedback = check_unpenalised_fit(free, X, digits.target)
    assert feedback and "doubling" in feedback.message
    assert (
        "penalty"
        in check_unpenalised_fit(
            SoftmaxRegression(64, 10, l2=1e-2, random_state=0).fit(X, digits.target, n_iterations=200), X, digits.target
        ).message
    )
    assert "not been fitted" in check_unpenalised_fit(SoftmaxRegression(64, 10), X, digits.target).message


def test_check_l2_for_C_speaks_of_significant_figures_and_names_half_the_penalty_gradient():
    from softmax_teach.exercises.regression import check_l2_for_C, check_weight_gradient
    from softmax_teach.numerics import softmax

    assert "rounded to 1 significant figure" in check_l2_for_C(0.001, C=10.0, n_samples=105).message
    assert "cut off after 1 significant figure" in check_l2_for_C(0.0009, C=10.0, n_samples=105).message
    assert check_l2_for_C(0.00095, C=10.0, n_samples=105)
    rng = np.random.default_rng(0)
    X, y, W = rng.normal(size=(6, 3)), np.array([0, 2, 1, 2, 0, 1]), rng.normal(size=(3, 3))
    data = X.T @ (softmax(X @ W) - np.eye(3)[y]) / 6
    verdict = check_weight_gradient(data + 0.25 * W, X, y, W, np.zeros(3), l2=0.5)
    assert not verdict and "not l2/2 * W" in verdict.message
    assert check_weight_gradient(data + 0.5 * W, X, y, W, np.zeros(3), l2=0.5)

"""The notebook-02 checks accept answers computed by torch autograd and name each usual mistake."""

import numpy as np
import pytest
import torch

from softmax_teach.exercises.calculus import (
    check_cross_entropy_gradient,
    check_logsumexp_gradient,
    check_softmax_jacobian,
)

X = np.array([2.0, 1.0, 0.1])


def torch_softmax(x):
    return torch.softmax(torch.tensor(x, dtype=torch.float64), dim=-1).numpy()


def test_jacobian_from_autograd_passes():
    jacobian = torch.autograd.functional.jacobian(lambda t: torch.softmax(t, dim=-1), torch.tensor(X)).numpy()
    verdict = check_softmax_jacobian(jacobian, X)
    assert verdict and "matches" in verdict.message


@pytest.mark.parametrize(
    "wrong, phrase",
    [
        (lambda s: -(np.diag(s) - np.outer(s, s)), "sign flipped"),
        (lambda s: np.diag(s * (1 - s)), "off-diagonal entries are -s_i s_j, not 0"),
        (lambda s: -np.outer(s, s), "forgot the delta_ij term"),
        (lambda s: np.diag(s), "subtract the outer product"),
        (lambda s: np.outer(s, 1 - s), "s_i(1 - s_j) mixes the two cases"),
        (lambda s: np.diag(s) - np.outer(s, s) + 0.1, "each row of the Jacobian must sum to 0"),
    ],
)
def test_jacobian_mistakes_are_named(wrong, phrase):
    verdict = check_softmax_jacobian(wrong(torch_softmax(X)), X)
    assert not verdict
    assert phrase in verdict.message


def test_jacobian_wrong_shape_and_bad_logits():
    assert "has shape (3,)" in check_softmax_jacobian(np.zeros(3), X).message
    with pytest.raises(ValueError, match="x must be a 1-D array of at least two finite logits"):
        check_softmax_jacobian(np.zeros((1, 1)), [1.0])


def torch_ce_gradient(logits, labels):
    t = torch.tensor(np.atleast_2d(logits), requires_grad=True)
    torch.nn.functional.cross_entropy(t, torch.tensor(np.atleast_1d(labels))).backward()
    return t.grad.numpy().reshape(np.shape(logits))


@pytest.mark.parametrize("logits, labels", [(X, 0), (np.array([[2.0, 1.0, 0.1], [0.3, 3.0, 1.0]]), [0, 1])])
def test_cross_entropy_gradient_from_autograd_passes(logits, labels):
    assert check_cross_entropy_gradient(torch_ce_gradient(logits, labels), logits, labels)


def test_cross_entropy_gradient_mistakes_are_named():
    logits = np.array([[2.0, 1.0, 0.1], [0.3, 3.0, 1.0]])
    labels = [0, 1]
    p = torch_softmax(logits)
    y = np.eye(3)[labels]
    cases = [
        ((y - p) / 2, "your gradient has the sign flipped"),
        (p / 2, "you forgot to subtract y"),
        (-y / p / 2, "gradient with respect to the probabilities"),
        (p - y, "divide p - y by the batch size 2"),
        # A review: both got only "differs at index (0, 0)".
        ((p - y) / 6, "divided by all 6 entries"),
        ((p - y) / 3, "divided by the number of classes, 3"),
    ]
    for answer, phrase in cases:
        verdict = check_cross_entropy_gradient(answer, logits, labels)
        assert not verdict and phrase in verdict.message, (phrase, verdict.message)


def test_cross_entropy_gradient_single_sample_mistakes():
    p = torch_softmax(X)
    assert "you forgot to subtract y" in check_cross_entropy_gradient(p, X, 0).message
    assert "sign flipped" in check_cross_entropy_gradient(np.eye(3)[0] - p, X, 0).message


def test_cross_entropy_gradient_bad_input():
    with pytest.raises(ValueError, match="logits must be finite"):
        check_cross_entropy_gradient(X, [1.0], 0)
    with pytest.raises(ValueError, match="target class 5 is out of range"):
        check_cross_entropy_gradient(X, X, 5)


def test_logsumexp_gradient_from_autograd_passes_and_mistakes_are_named():
    t = torch.tensor(X, requires_grad=True)
    torch.logsumexp(t, dim=0).backward()
    assert check_logsumexp_gradient(t.grad.numpy(), X)
    cases = [
        (np.exp(X), "forgot the outer log"),
        (np.log(torch_softmax(X)), "that is log-softmax"),
        (np.full(3, 1 / np.exp(X).sum()), "multiply by the inner derivative"),
        (torch_softmax(X) * 1.5, "do not sum to 1"),
    ]
    for answer, phrase in cases:
        verdict = check_logsumexp_gradient(answer, X)
        assert not verdict and phrase in verdict.message, (phrase, verdict.message)


# --------------------------------------------------------------------------- d log softmax (exercise 4)


def test_log_softmax_derivative_accepts_any_form_and_names_the_slips():
    import sympy as sp

    from softmax_teach import symbolic
    from softmax_teach.exercises.calculus import check_log_softmax_derivative

    x = symbolic.softmax_symbols(3)
    s = symbolic.symbolic_softmax(x)
    assert check_log_softmax_derivative(sp.diff(sp.log(s[0]), x[1]), x)  # unsimplified
    assert check_log_softmax_derivative(-s[1], x)
    assert check_log_softmax_derivative(1 - s[2], x, i=2, j=2)  # the diagonal case
    assert "derivative of s_1 itself" in check_log_softmax_derivative(sp.diff(s[0], x[1]), x).message
    assert "sign is flipped" in check_log_softmax_derivative(s[1], x).message
    assert "diagonal case" in check_log_softmax_derivative(1 - s[1], x).message
    assert "not the logits" in check_log_softmax_derivative(sp.Symbol("y"), x).message
    assert not check_log_softmax_derivative(sp.diff(sp.log(s[0]), x[2]), x)  # the derivative for x_3
    # A review: a 1x1 Matrix raised TypeError ("only 0-dimensional arrays ...") instead of feedback.
    one_by_one = check_log_softmax_derivative(sp.Matrix([-s[1]]), x)
    assert not one_by_one and "1x1 sympy Matrix" in one_by_one.message and "M[0]" in one_by_one.message
    assert "1x3 sympy Matrix" in check_log_softmax_derivative(sp.Matrix([s]), x).message


# --------------------------------------------------------------------------- precision and input forms (issue 10)


def test_jacobian_rounded_to_the_stated_precision_passes_and_coarser_is_told_so():
    s = torch_softmax(X)
    jacobian = np.diag(s) - np.outer(s, s)
    assert check_softmax_jacobian(jacobian.round(4), X)
    for decimals in (3, 2):
        verdict = check_softmax_jacobian(jacobian.round(decimals), X)
        assert not verdict and f"right only to {decimals} decimals" in verdict.message, verdict.message
        assert "sum to 0" not in verdict.message
    flipped = check_softmax_jacobian(-jacobian.round(3), X)
    assert not flipped and "sign flipped" in flipped.message


def test_cross_entropy_gradient_takes_one_hot_targets():
    logits = np.array([[2.0, 1.0, 0.1], [0.3, 3.0, 1.0]])
    p, y = torch_softmax(logits), np.eye(3)[[0, 1]]
    assert check_cross_entropy_gradient((p - y) / 2, logits, y)
    assert "batch size 2" in check_cross_entropy_gradient(p - y, logits, y).message
    with pytest.raises(ValueError, match="one-hot"):
        check_cross_entropy_gradient(p - y, logits, np.full((2, 3), 0.5))


def test_cross_entropy_gradient_names_two_slips_at_once():
    logits = np.array([[2.0, 1.0, 0.1], [0.3, 3.0, 1.0]])
    p, y = torch_softmax(logits), np.eye(3)[[0, 1]]
    for answer, phrase in [(y - p, "sign is flipped"), (p, "forgot to subtract y")]:
        verdict = check_cross_entropy_gradient(answer, logits, [0, 1])
        assert not verdict and "two mistakes at once" in verdict.message and phrase in verdict.message
        assert "batch size 2" in verdict.message

"""Every sympy derivation is verified by sympy *and* checked numerically.

Each symbolic result is lambdified and compared with softmax_teach.numerics, with torch
autograd and with central finite differences, at seeded random points.
"""

import subprocess
import sys

import numpy as np
import pytest
import sympy as sp
import torch

from softmax_teach import numerics, symbolic
from softmax_teach.reference import central_difference

RTOL = 1e-9
FD_RTOL = 1e-6


def random_logits(n, seed):
    return np.random.default_rng(seed).normal(scale=2.0, size=n)


# --------------------------------------------------------------------------- verified by sympy


@pytest.mark.parametrize("n", [2, 3, 4])
@pytest.mark.parametrize(
    "build",
    [
        symbolic.softmax_jacobian,
        symbolic.shift_invariance,
        symbolic.logsumexp_gradient,
        lambda n: symbolic.cross_entropy_gradient(n, "one-hot", true_class=n - 1),
        lambda n: symbolic.cross_entropy_gradient(n, "smoothed"),
        lambda n: symbolic.cross_entropy_gradient(n, "soft"),
    ],
    ids=["jacobian", "shift", "logsumexp", "ce-one-hot", "ce-smoothed", "ce-soft"],
)
def test_identity_is_verified_by_sympy_with_zero_residuals(build, n):
    derivation = build(n)
    assert derivation.verified is True
    assert derivation.residuals and all(r == 0 for r in derivation.residuals)


def test_every_default_derivation_is_verified():
    derivations = symbolic.all_derivations()
    assert len(derivations) == 9
    assert [d.title for d in derivations if not d.verified] == []


def test_a_false_claim_is_rejected_with_nonzero_residuals():
    # The Jacobian with the sign of the off-diagonal term flipped: sympy must say no.
    xs = symbolic.softmax_symbols(3)
    s = symbolic.symbolic_softmax(xs)
    jacobian = sp.Matrix(s).jacobian(xs)
    wrong = sp.Matrix(3, 3, lambda i, j: s[i] * (sp.KroneckerDelta(i, j) + s[j]))
    verdict = symbolic.prove_identity(jacobian, wrong, title="wrong Jacobian")
    assert verdict.verified is False
    assert any(r != 0 for r in verdict.residuals)
    assert "NOT verified" in repr(verdict)
    assert r"\times" in verdict._repr_latex_()
    # What happened, not the method's success sentence (issue 10): a failed simplify proves nothing false.
    assert "simplifies to 0" not in repr(verdict)
    assert "did not simplify to 0 in 9 of 9 entries" in repr(verdict)
    assert "does not prove the claim false" in repr(verdict)


def test_a_verified_derivation_reports_its_method():
    assert symbolic.shift_invariance(3).outcome == "lhs - rhs simplifies to 0"
    assert symbolic.temperature_limits().outcome == "sympy limit equals the claim"


def test_a_false_limit_claim_is_rejected():
    # Softmax at T -> 0 is the arg-max, so claiming a uniform limit must fail.
    limits = symbolic.temperature_limits((2.0, 1.0, 0.1))
    claim = symbolic.prove_identity(limits.expressions["limit_cold"], limits.expressions["uniform"])
    assert claim.verified is False


# --------------------------------------------------------------------------- numeric checks


@pytest.mark.parametrize("n", [2, 3, 5])
def test_jacobian_matches_numerics_autograd_and_finite_differences(n):
    derivation = symbolic.softmax_jacobian(n)
    for seed in range(3):
        x = random_logits(n, seed)
        symbolic_jacobian = derivation.lambdify("jacobian")(*x)
        np.testing.assert_allclose(derivation.lambdify("formula")(*x), symbolic_jacobian, rtol=RTOL, atol=1e-15)
        np.testing.assert_allclose(numerics.softmax_jacobian(x), symbolic_jacobian, rtol=1e-12, atol=1e-15)
        autograd = torch.autograd.functional.jacobian(lambda t: torch.softmax(t, dim=-1), torch.tensor(x))
        np.testing.assert_allclose(autograd.numpy(), symbolic_jacobian, rtol=1e-12, atol=1e-15)
        finite = central_difference(numerics.softmax, x)
        np.testing.assert_allclose(finite, symbolic_jacobian, rtol=FD_RTOL, atol=1e-9)
        np.testing.assert_allclose(derivation.lambdify("softmax")(*x), numerics.softmax(x), rtol=1e-12)


def test_shift_invariance_numerically():
    derivation = symbolic.shift_invariance(4)
    x = random_logits(4, 7)
    for c in (-30.0, 0.0, 2.5, 40.0):
        shifted = derivation.lambdify("shifted")(*x, c)
        np.testing.assert_allclose(shifted, numerics.softmax(x), rtol=1e-12)
        np.testing.assert_allclose(numerics.softmax(x + c), numerics.softmax(x), rtol=1e-12)
        np.testing.assert_allclose(torch.softmax(torch.tensor(x + c), dim=-1).numpy(), shifted, rtol=1e-12)
    # The derivative of the shifted softmax with respect to c is 0 (it does not depend on c).
    np.testing.assert_allclose(
        central_difference(lambda c: derivation.lambdify("shifted")(*x, c[0]), [1.0]), 0, atol=1e-9
    )


def test_two_class_softmax_is_sigmoid_numerically():
    derivation = symbolic.two_class_sigmoid()
    for x1, x2 in [(0.3, -1.2), (4.0, 4.0), (-6.0, 2.0)]:
        value = derivation.lambdify("softmax_first")(x1, x2)
        np.testing.assert_allclose(value, numerics.softmax([x1, x2])[0], rtol=1e-12)
        np.testing.assert_allclose(value, numerics.sigmoid(x1 - x2), rtol=1e-12)
        np.testing.assert_allclose(value, torch.sigmoid(torch.tensor(x1 - x2, dtype=torch.float64)).item(), rtol=1e-12)
        np.testing.assert_allclose(derivation.lambdify("softmax_x_0")(x1, x2), numerics.sigmoid(x1), rtol=1e-12)
        np.testing.assert_allclose(
            derivation.lambdify("softmax_x_minus_x")(x1, x2), numerics.sigmoid(2 * x1), rtol=1e-12
        )


def _torch_loss_and_gradient(x, target, label_smoothing=0.0):
    logits = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    loss = torch.nn.functional.cross_entropy(logits[None], target, label_smoothing=label_smoothing)
    loss.backward()
    return loss.item(), logits.grad.numpy()


@pytest.mark.parametrize("n", [2, 3, 4])
@pytest.mark.parametrize("true_class", [0, 1])
def test_one_hot_and_smoothed_cross_entropy_gradient_numerically(n, true_class):
    for target_kind, eps in (("one-hot", 0.0), ("smoothed", 0.2)):
        derivation = symbolic.cross_entropy_gradient(n, target_kind, true_class=true_class)
        arguments_tail = () if target_kind == "one-hot" else (eps,)
        x = random_logits(n, 10 * n + true_class)
        symbolic_loss = derivation.lambdify("loss")(*x, *arguments_tail)
        symbolic_gradient = derivation.lambdify("gradient")(*x, *arguments_tail)
        np.testing.assert_allclose(
            derivation.lambdify("formula")(*x, *arguments_tail), symbolic_gradient, rtol=RTOL, atol=1e-15
        )

        ours = numerics.cross_entropy(x[None], np.array([true_class]), label_smoothing=eps)
        np.testing.assert_allclose(symbolic_loss, ours, rtol=1e-12)
        torch_loss, torch_gradient = _torch_loss_and_gradient(x, torch.tensor([true_class]), eps)
        np.testing.assert_allclose(symbolic_loss, torch_loss, rtol=1e-12)
        np.testing.assert_allclose(symbolic_gradient, torch_gradient, rtol=1e-10, atol=1e-14)

        def loss_of(logits, eps=eps):
            return numerics.cross_entropy(logits[None], np.array([true_class]), label_smoothing=eps)

        np.testing.assert_allclose(central_difference(loss_of, x), symbolic_gradient, rtol=FD_RTOL, atol=1e-9)
        # s - y, computed from the numerics module, is the same vector.
        y = (1 - eps) * np.eye(n)[true_class] + eps / n
        np.testing.assert_allclose(numerics.softmax(x) - y, symbolic_gradient, rtol=1e-10, atol=1e-14)


def test_soft_target_cross_entropy_gradient_numerically():
    derivation = symbolic.cross_entropy_gradient(4, "soft")
    x = random_logits(4, 3)
    y = np.array([0.1, 0.2, 0.3, 0.4])
    symbolic_loss = derivation.lambdify("loss")(*x, *y[:-1])
    symbolic_gradient = derivation.lambdify("gradient")(*x, *y[:-1])
    np.testing.assert_allclose(derivation.lambdify("target")(*x, *y[:-1]), y, rtol=1e-12)
    torch_loss, torch_gradient = _torch_loss_and_gradient(x, torch.tensor(y[None]))
    np.testing.assert_allclose(symbolic_loss, torch_loss, rtol=1e-12)
    np.testing.assert_allclose(symbolic_loss, numerics.cross_entropy(x[None], y[None]), rtol=1e-12)
    np.testing.assert_allclose(symbolic_gradient, torch_gradient, rtol=1e-10, atol=1e-14)
    finite = central_difference(lambda logits: numerics.cross_entropy(logits[None], y[None]), x)
    np.testing.assert_allclose(finite, symbolic_gradient, rtol=FD_RTOL, atol=1e-9)


@pytest.mark.parametrize("logits", [(2.0, 1.0, 0.1), (1.0, 1.0, 0.0), (-3, 5, 5, 0.5)])
def test_temperature_limits_match_numerics(logits):
    derivation = symbolic.temperature_limits(logits)
    assert derivation.verified
    x = np.asarray(logits, dtype=float)
    softmax_of_t = derivation.lambdify("softmax")
    for temperature in (0.05, 0.5, 1.0, 3.0, 20.0):
        np.testing.assert_allclose(softmax_of_t(temperature), numerics.softmax(x, temperature=temperature), rtol=1e-10)
    cold = derivation.lambdify("limit_cold")(1.0)
    hot = derivation.lambdify("limit_hot")(1.0)
    np.testing.assert_allclose(numerics.softmax(x, temperature=0), cold, rtol=1e-15)
    np.testing.assert_allclose(numerics.softmax(x, temperature=1e-3), cold, atol=1e-12)
    np.testing.assert_allclose(numerics.softmax(x, temperature=1e7), hot, rtol=1e-5)
    torch_cold = torch.softmax(torch.tensor(x) / 1e-3, dim=-1).numpy()
    np.testing.assert_allclose(torch_cold, cold, atol=1e-12)


@pytest.mark.parametrize("n", [2, 3, 6])
def test_logsumexp_gradient_matches_numerics_autograd_and_finite_differences(n):
    derivation = symbolic.logsumexp_gradient(n)
    x = random_logits(n, 100 + n)
    gradient = derivation.lambdify("gradient")(*x)
    np.testing.assert_allclose(derivation.lambdify("logsumexp")(*x), numerics.logsumexp(x), rtol=1e-12)
    np.testing.assert_allclose(gradient, numerics.softmax(x), rtol=1e-12)
    t = torch.tensor(x, requires_grad=True)
    torch.logsumexp(t, dim=0).backward()
    np.testing.assert_allclose(gradient, t.grad.numpy(), rtol=1e-12)
    np.testing.assert_allclose(central_difference(numerics.logsumexp, x), gradient, rtol=FD_RTOL, atol=1e-9)


# --------------------------------------------------------------------------- display and API


def test_derivation_renders_as_latex_and_ipython_math():
    derivation = symbolic.softmax_jacobian(2)
    rendered = derivation._repr_latex_()
    assert rendered.startswith("$") and rendered.endswith("$")
    assert derivation.latex in rendered and "verified by sympy" in rendered
    math = derivation.display()
    assert type(math).__name__ == "Math" and derivation.latex in math.data
    assert repr(derivation) == "<Derivation 'Jacobian of softmax (n=2)': verified by sympy (lhs - rhs simplifies to 0)>"


def test_identities_beyond_rational_cancellation_fall_back_to_simplify():
    # cancel() leaves sin^2 + cos^2 - 1 alone; simplify() proves it. A false variant still fails.
    x = sp.Symbol("x", real=True)
    assert sp.cancel(sp.sin(x) ** 2 + sp.cos(x) ** 2 - 1) != 0
    assert symbolic.prove_identity(sp.sin(x) ** 2 + sp.cos(x) ** 2, sp.Integer(1)).verified
    assert not symbolic.prove_identity(sp.sin(x) ** 2 - sp.cos(x) ** 2, sp.Integer(1)).verified


def test_prove_identity_accepts_expressions_and_sequences():
    x = sp.Symbol("x", real=True)
    assert symbolic.prove_identity(sp.exp(x) / (sp.exp(x) + 1), 1 / (1 + sp.exp(-x))).verified
    both = symbolic.prove_identity([x, 2 * x], (x, x + x))
    assert both.verified and both.symbols == (x,)
    np.testing.assert_allclose(both.lambdify("lhs")(1.5), [1.5, 3.0])


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: symbolic.softmax_jacobian(1), "n must be an integer >= 2, got 1"),
        (lambda: symbolic.shift_invariance("3"), "n must be an integer >= 2, got '3'"),
        (lambda: symbolic.logsumexp_gradient(True), "n must be an integer >= 2, got True"),
        (lambda: symbolic.cross_entropy_gradient(3, "hard"), "target must be one of"),
        (lambda: symbolic.cross_entropy_gradient(3, true_class=3), "true_class must be an integer from 0 to 2, got 3"),
        (lambda: symbolic.temperature_limits((1.0,)), "logits must hold at least two values"),
        (lambda: symbolic.temperature_limits((1.0, float("nan"))), "logits must hold finite real numbers, got nan"),
        (lambda: symbolic.softmax_symbols(2, name="1x"), "name must be a valid identifier"),
        (lambda: symbolic.symbolic_softmax([]), "xs must hold at least one expression"),
        (lambda: symbolic.softmax_jacobian(2).lambdify("hessian"), "name must be one of"),
        (lambda: symbolic.softmax_jacobian(2).lambdify("jacobian")(1.0), "values must give one number per symbol"),
        (lambda: symbolic.prove_identity([1, 2], [1]), "lhs and rhs must have as many entries, got 2 and 1"),
        (lambda: symbolic.prove_identity(object(), 1), "lhs must be a sympy expression"),
    ],
)
def test_bad_input_raises_value_error_naming_the_argument(call, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        call()


def test_importing_the_package_does_not_import_sympy():
    code = "import sys, softmax_teach; print('sympy' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"

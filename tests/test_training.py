"""The shared training loop: it learns, it is bitwise reproducible, it restores global state."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F  # noqa: E402
from torch import nn  # noqa: E402

from softmax_teach.training import OPTIMIZERS, accuracy, evaluate_loss, predict, train  # noqa: E402


def _blobs(n=120, seed=0):
    """Three well-separated Gaussian blobs in 2-D (linearly separable)."""
    g = torch.Generator().manual_seed(seed)
    centers = torch.tensor([[3.0, 0.0], [-3.0, 0.0], [0.0, 3.0]])
    y = torch.arange(n) % 3
    x = centers[y] + 0.5 * torch.randn(n, 2, generator=g)
    return x, y


def _factory():
    return nn.Sequential(nn.Linear(2, 8), nn.ReLU(), nn.Dropout(0.1), nn.Linear(8, 3))


def test_train_learns_a_separable_problem_and_records_one_loss_per_epoch():
    x, y = _blobs()
    result = train(_factory, F.cross_entropy, (x, y), validation_data=_blobs(60, seed=1), epochs=15, lr=0.05)
    assert result.epochs == 15 and len(result.validation_loss) == 15
    assert len(result.step_loss) == 15 * 4  # 120 rows in batches of 32
    assert result.train_loss[-1] < 0.3 * result.train_loss[0]
    assert accuracy(predict(result.model, x), y) == 1.0
    assert not result.model.training


def test_same_seed_gives_bitwise_identical_weights_losses_and_outputs():
    x, y = _blobs()
    runs = [train(_factory, F.cross_entropy, (x, y), epochs=5, lr=0.05, seed=3) for _ in range(2)]
    for a, b in zip(runs[0].model.state_dict().values(), runs[1].model.state_dict().values()):
        assert torch.equal(a, b)
    assert runs[0].step_loss == runs[1].step_loss
    assert torch.equal(predict(runs[0].model, x), predict(runs[1].model, x))
    other = train(_factory, F.cross_entropy, (x, y), epochs=5, lr=0.05, seed=4)
    assert other.step_loss != runs[0].step_loss


def test_epoch_train_loss_is_the_batch_size_weighted_mean_of_step_losses():
    x, y = _blobs(100)  # batches of 32, 32, 32, 4
    result = train(_factory, F.cross_entropy, (x, y), epochs=1, lr=0.05)
    sizes = [32, 32, 32, 4]
    expected = sum(size * loss for size, loss in zip(sizes, result.step_loss)) / 100
    assert result.train_loss[0] == pytest.approx(expected, rel=1e-12)


def test_evaluate_loss_equals_torch_cross_entropy_on_the_whole_set():
    x, y = _blobs()
    torch.manual_seed(0)
    model = _factory().eval()
    with torch.no_grad():
        whole = F.cross_entropy(model(x), y).item()
    assert evaluate_loss(model, F.cross_entropy, (x, y), batch_size=7) == pytest.approx(whole, rel=1e-6)


def test_global_settings_are_restored():
    x, y = _blobs()
    threads = torch.get_num_threads()
    deterministic = torch.are_deterministic_algorithms_enabled()
    train(_factory, F.cross_entropy, (x, y), epochs=1, num_threads=1)
    assert torch.get_num_threads() == threads
    assert torch.are_deterministic_algorithms_enabled() == deterministic


def test_a_batch_function_and_tuple_inputs_are_supported():
    x, y = _blobs()

    class TwoInputs(nn.Module):
        def __init__(self):
            super().__init__()
            self.linear = nn.Linear(2, 3)

        def forward(self, a, b):
            return self.linear(a + b)

    def make_batches(generator):
        order = torch.randperm(len(y), generator=generator)
        for i in range(0, len(y), 40):
            index = order[i : i + 40]
            yield (x[index], torch.zeros_like(x[index])), y[index]

    result = train(TwoInputs, F.cross_entropy, make_batches, validation_data=((x, 0 * x), y), epochs=10, lr=0.1)
    assert len(result.step_loss) == 30
    assert result.validation_loss[-1] < result.validation_loss[0]
    again = train(TwoInputs, F.cross_entropy, make_batches, epochs=10, lr=0.1)
    assert again.step_loss == result.step_loss


def test_every_named_optimizer_trains(capsys):
    x, y = _blobs()
    for name in OPTIMIZERS:
        result = train(_factory, F.cross_entropy, (x, y), epochs=3, optimizer=name, lr=0.01)
        assert result.epochs == 3
    assert capsys.readouterr().out == ""


def test_progress_prints_one_line_per_epoch_unless_tqdm_is_disabled(capsys, monkeypatch):
    x, y = _blobs()
    monkeypatch.delenv("TQDM_DISABLE", raising=False)
    train(_factory, F.cross_entropy, (x, y), epochs=2, progress=True)
    assert capsys.readouterr().out.count("epoch ") == 2
    monkeypatch.setenv("TQDM_DISABLE", "1")
    train(_factory, F.cross_entropy, (x, y), epochs=2, progress=True)
    assert capsys.readouterr().out == ""


@pytest.mark.parametrize(
    "kwargs, fragment",
    [
        ({"epochs": 0}, "epochs"),
        ({"batch_size": 0}, "batch_size"),
        ({"lr": -1.0}, "lr"),
        ({"optimizer": "lbfgs"}, "optimizer"),
        ({"num_threads": 0}, "num_threads"),
    ],
)
def test_bad_arguments_raise_value_error_naming_them(kwargs, fragment):
    x, y = _blobs()
    with pytest.raises(ValueError, match=fragment):
        train(_factory, F.cross_entropy, (x, y), **kwargs)


def test_bad_data_raises_value_error():
    x, y = _blobs()
    with pytest.raises(ValueError, match="first dimension"):
        train(_factory, F.cross_entropy, (x, y[:-1]))
    with pytest.raises(ValueError, match="train_data"):
        train(_factory, F.cross_entropy, x)
    with pytest.raises(ValueError, match="torch.nn.Module"):
        train(lambda: 3, F.cross_entropy, (x, y))


def test_a_diverging_loss_is_reported():
    x, y = _blobs()
    with pytest.raises(ValueError, match="loss became"):
        train(_factory, lambda out, t: F.cross_entropy(out, t) * float("inf"), (x, y), epochs=1)


def test_accuracy_matches_a_manual_count_and_checks_shapes():
    logits = torch.tensor([[2.0, 1.0, 0.0], [0.0, 3.0, 1.0], [0.0, 0.0, 5.0], [1.0, 0.0, 0.0]])
    target = torch.tensor([0, 1, 1, 0])
    assert accuracy(logits, target) == 0.75
    with pytest.raises(ValueError, match="shape"):
        accuracy(logits, target[:2])


def test_numbers_are_checked_by_the_shared_rules():
    x, y = torch.randn(8, 4), torch.randint(0, 3, (8,))
    result = train(
        lambda: torch.nn.Linear(4, 3),
        torch.nn.functional.cross_entropy,
        (x, y),
        epochs=np.int64(1),
        lr=np.float32(0.01),
        batch_size=4,
    )
    assert result.epochs == 1
    with pytest.raises(ValueError, match="epochs must be a positive integer, got True"):
        train(lambda: torch.nn.Linear(4, 3), torch.nn.functional.cross_entropy, (x, y), epochs=True)

"""The classifiers return logits, their softmax matches torch, and masked mean pooling is exact."""

import pytest
import torch
import torch.nn.functional as F  # noqa: E402

from softmax_teach.models import DigitsCNN, SentimentClassifier, SimpleNet  # noqa: E402
from softmax_teach.models.classifiers import masked_mean  # noqa: E402


def _seeded(factory):
    torch.manual_seed(0)
    return factory()


@pytest.mark.parametrize("hidden", [None, 8])
def test_simplenet_returns_logits_and_predict_proba_is_their_softmax(hidden):
    model = _seeded(lambda: SimpleNet(5, 3, hidden_size=hidden))
    x = torch.randn(4, 5, generator=torch.Generator().manual_seed(1))
    logits = model(x)
    assert logits.shape == (4, 3)
    # Logits are not probabilities: rows need not sum to 1 and may be negative.
    assert not torch.allclose(logits.sum(dim=1), torch.ones(4))
    probabilities = model.predict_proba(x)
    torch.testing.assert_close(probabilities, F.softmax(logits, dim=1).detach())
    torch.testing.assert_close(probabilities.sum(dim=1), torch.ones(4))
    assert not probabilities.requires_grad


def test_simplenet_without_hidden_layer_is_one_linear_map():
    model = _seeded(lambda: SimpleNet(5, 3))
    x = torch.randn(2, 5)
    torch.testing.assert_close(model(x), x @ model.layers.weight.T + model.layers.bias)


def test_cross_entropy_on_logits_equals_the_manual_negative_log_softmax():
    model = _seeded(lambda: SimpleNet(4, 3))
    x, y = torch.randn(6, 4), torch.tensor([0, 1, 2, 2, 1, 0])
    logits = model(x)
    manual = -torch.log_softmax(logits, dim=1)[torch.arange(6), y].mean()
    torch.testing.assert_close(F.cross_entropy(logits, y), manual)


def test_predict_proba_keeps_the_training_mode():
    model = _seeded(lambda: DigitsCNN(dropout=0.5))
    model.train()
    model.predict_proba(torch.zeros(1, 8, 8))
    assert model.training


def test_digits_cnn_shapes_and_input_checks():
    model = _seeded(DigitsCNN)
    images = torch.randn(3, 1, 8, 8)
    assert model(images).shape == (3, 10)
    torch.testing.assert_close(model(images[:, 0]), model(images))
    with pytest.raises(ValueError, match="images"):
        model(torch.zeros(3, 1, 28, 28))


def _manual_masked_mean(embedded, mask):
    rows = []
    for b in range(embedded.shape[0]):
        real = [embedded[b, t] for t in range(embedded.shape[1]) if mask[b, t]]
        rows.append(torch.stack(real).mean(dim=0) if real else torch.zeros(embedded.shape[2]))
    return torch.stack(rows)


def test_masked_mean_equals_a_manual_loop_over_real_tokens():
    g = torch.Generator().manual_seed(0)
    embedded = torch.randn(4, 6, 3, generator=g, dtype=torch.float64)
    mask = torch.tensor(
        [[1, 1, 1, 1, 1, 1], [1, 1, 0, 0, 0, 0], [1, 0, 0, 0, 0, 0], [0, 0, 0, 0, 0, 0]], dtype=torch.bool
    )
    torch.testing.assert_close(masked_mean(embedded, mask), _manual_masked_mean(embedded, mask))


def test_masked_mean_shape_checks():
    with pytest.raises(ValueError, match="embedded"):
        masked_mean(torch.zeros(2, 3), torch.ones(2, 3, dtype=torch.bool))
    with pytest.raises(ValueError, match="mask"):
        masked_mean(torch.zeros(2, 3, 4), torch.ones(2, 4, dtype=torch.bool))


def test_sentiment_classifier_ignores_padding_unlike_the_slides_avg_pool2d():
    model = _seeded(lambda: SentimentClassifier(20, 4))
    short = torch.tensor([[5, 6, 7]])
    padded = torch.tensor([[5, 6, 7, 0, 0, 0, 0]])
    torch.testing.assert_close(model(short), model(padded))
    # The slide's pooling divides by the padded length, so padding changes its average.
    embedded = model.embedding(padded)
    slide = F.avg_pool2d(embedded, (embedded.shape[1], 1)).squeeze(1)
    torch.testing.assert_close(slide * 7 / 3, model.pool(padded))
    assert not torch.allclose(slide, model.pool(padded))


def test_sentiment_classifier_padding_embedding_gets_no_gradient():
    model = _seeded(lambda: SentimentClassifier(10, 4, hidden_dim=5))
    tokens = torch.tensor([[1, 2, 0], [3, 0, 0]])
    F.cross_entropy(model(tokens), torch.tensor([0, 1])).backward()
    assert torch.count_nonzero(model.embedding.weight.grad[0]) == 0
    assert model(tokens).shape == (2, 2)


def test_sentiment_classifier_rejects_bad_input():
    model = _seeded(lambda: SentimentClassifier(10, 4))
    with pytest.raises(ValueError, match="tokens"):
        model(torch.zeros(2, 3))
    with pytest.raises(ValueError, match="padding_idx"):
        SentimentClassifier(10, 4, padding_idx=10)


@pytest.mark.parametrize(
    "factory, fragment",
    [
        (lambda: SimpleNet(0, 3), "input_size"),
        (lambda: SimpleNet(4, 3, hidden_size=-1), "hidden_size"),
        (lambda: DigitsCNN(dropout=1.0), "dropout"),
        (lambda: SentimentClassifier(10, 0), "embedding_dim"),
    ],
)
def test_bad_sizes_raise_value_error_naming_the_argument(factory, fragment):
    with pytest.raises(ValueError, match=fragment):
        factory()


def test_importing_softmax_teach_does_not_import_torchvision():
    import subprocess
    import sys

    code = "import sys, softmax_teach.models.classifiers, softmax_teach.training; print('torchvision' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


# --------------------------------------------------------------------------- trained on shipped data
# The notebooks' settings (08 and 09). These train for a few seconds each; they check the
# accuracy floors the notebooks promise and that the whole path is bitwise reproducible.


def _train_digits(epochs):
    from softmax_teach.data.digits import load_digits_split
    from softmax_teach.training import train

    split = load_digits_split(seed=0)
    result = train(DigitsCNN, F.cross_entropy, split.tensors("train"), epochs=epochs, batch_size=64, lr=0.01, seed=0)
    return split, result


def _train_sentiment(epochs):
    from softmax_teach.data.sentiment import load_sentiment_split
    from softmax_teach.training import train

    split = load_sentiment_split(seed=0)
    result = train(
        lambda: SentimentClassifier(len(split.vocabulary), embedding_dim=16),
        F.cross_entropy,
        split.tensors("train"),
        epochs=epochs,
        batch_size=32,
        optimizer="adamw",
        lr=0.02,
        optimizer_options={"weight_decay": 0.1},
        seed=0,
    )
    return split, result


def test_digits_cnn_reaches_95_percent_on_the_test_split():
    from softmax_teach.training import accuracy, predict

    split, result = _train_digits(epochs=12)
    x_test, y_test = split.tensors("test")
    assert accuracy(predict(result.model, x_test), y_test) >= 0.95


def test_sentiment_classifier_reaches_80_percent_on_held_out_sentences():
    from softmax_teach.training import accuracy, predict

    split, result = _train_sentiment(epochs=20)
    x_test, y_test = split.tensors("test")
    assert accuracy(predict(result.model, x_test), y_test) >= 0.80


@pytest.mark.parametrize("trainer", [_train_digits, _train_sentiment], ids=["digits", "sentiment"])
def test_same_seed_gives_bitwise_identical_models_and_outputs(trainer):
    from softmax_teach.training import predict

    (split, first), (_, second) = trainer(epochs=2), trainer(epochs=2)
    for a, b in zip(first.model.state_dict().values(), second.model.state_dict().values()):
        assert torch.equal(a, b)
    assert first.step_loss == second.step_loss
    x_test, _ = split.tensors("test")
    assert torch.equal(predict(first.model, x_test), predict(second.model, x_test))

"""One small, seeded, deterministic training loop shared by every notebook.

The loop is deliberately plain (no callbacks, no tqdm) so a learner can read it top to bottom:
shuffle with a seeded generator, run mini-batches, step the optimizer, and record the loss.

Usage
-----
Tensors, a classifier that returns logits::

    from softmax_teach.training import train, predict, accuracy
    result = train(lambda: SimpleNet(4, 3), torch.nn.functional.cross_entropy,
                   (x_train, y_train), validation_data=(x_val, y_val),
                   epochs=50, batch_size=32, optimizer="adam", lr=0.05, seed=0)
    result.train_loss        # one mean loss per epoch
    result.validation_loss   # one loss per epoch (empty without validation_data)
    accuracy(predict(result.model, x_test), y_test)

A sequence model (the character language model): the loss function sees the model's output and
the target exactly as they come, so it can flatten time steps itself::

    def next_char_loss(logits, target):  # logits (B, T, V), target (B, T)
        return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), target.reshape(-1))
    result = train(lambda: CharLM(vocab_size), next_char_loss, (windows, next_chars), ...)

A batch iterator: pass a function ``make_batches(generator)`` that returns an iterable of
``(inputs, target)`` pairs for one epoch; it receives the loop's seeded ``torch.Generator`` so
any random cropping or shuffling it does is reproducible too.

Determinism
-----------
Inside :func:`train` the loop calls ``torch.manual_seed(seed)`` *before* building the model (when
``model`` is a factory), turns on ``torch.use_deterministic_algorithms(True)``, shuffles with its
own ``torch.Generator`` seeded with ``seed``, and runs on ``num_threads`` threads (default 1:
reductions split over a different number of threads may round differently, and small models
are fastest single-threaded anyway). All three global settings are restored on the way out.
The same seed therefore gives bitwise the same weights, losses and outputs.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass, field

import torch
from torch import nn

from softmax_teach import _validation

__all__ = ["TrainingResult", "train", "evaluate_loss", "predict", "accuracy", "OPTIMIZERS"]

OPTIMIZERS = {
    "adam": torch.optim.Adam,
    "adamw": torch.optim.AdamW,
    "sgd": torch.optim.SGD,
    "rmsprop": torch.optim.RMSprop,
}


@dataclass
class TrainingResult:
    """What :func:`train` returns.

    Attributes
    ----------
    model : torch.nn.Module
        The trained model, left in ``eval()`` mode.
    train_loss : list of float
        Mean training loss of each epoch (weighted by batch size), as seen during that epoch.
    validation_loss : list of float
        Validation loss after each epoch; empty when no validation data was given.
    step_loss : list of float
        The loss of every optimizer step, in order.
    """

    model: nn.Module
    train_loss: list[float] = field(default_factory=list)
    validation_loss: list[float] = field(default_factory=list)
    step_loss: list[float] = field(default_factory=list)

    @property
    def epochs(self) -> int:
        """How many epochs were run."""
        return len(self.train_loss)


def _as_tuple(inputs):
    return inputs if isinstance(inputs, tuple) else (inputs,)


def _check_tensor_pair(data, name):
    """Validate ``(inputs, target)`` where inputs is a tensor or a tuple of tensors."""
    if not (isinstance(data, (tuple, list)) and len(data) == 2):
        raise ValueError(
            f"{name} must be a pair (inputs, target) of tensors or a function that makes batches, "
            f"got {type(data).__name__}"
        )
    inputs, target = _as_tuple(data[0]), data[1]
    tensors = (*inputs, target)
    if not all(isinstance(t, torch.Tensor) for t in tensors):
        raise ValueError(f"{name} must hold torch tensors, got {[type(t).__name__ for t in tensors]}")
    lengths = {int(t.shape[0]) for t in tensors}
    if len(lengths) != 1:
        raise ValueError(f"{name}: inputs and target must have the same first dimension, got {sorted(lengths)}")
    if lengths == {0}:
        raise ValueError(f"{name} is empty")
    return inputs, target


def _tensor_batches(inputs, target, batch_size, generator=None):
    """Mini-batches of ``(inputs, target)``; shuffled when a generator is given."""
    n = int(target.shape[0])
    order = torch.randperm(n, generator=generator) if generator is not None else torch.arange(n)
    for start in range(0, n, batch_size):
        index = order[start : start + batch_size]
        yield tuple(x[index] for x in inputs), target[index]


def _epoch_batches(data, batch_size, generator, shuffle, name):
    if callable(data):
        return ((_as_tuple(x), y) for x, y in data(generator))
    inputs, target = _check_tensor_pair(data, name)
    return _tensor_batches(inputs, target, batch_size, generator if shuffle else None)


def _make_optimizer(optimizer, parameters, lr, options):
    if callable(optimizer) and not isinstance(optimizer, str):
        return optimizer(parameters, lr=lr, **options)
    if optimizer not in OPTIMIZERS:
        raise ValueError(f"optimizer must be one of {sorted(OPTIMIZERS)} or a torch optimizer class, got {optimizer!r}")
    return OPTIMIZERS[optimizer](parameters, lr=lr, **options)


def _progress_wanted(progress):
    # Progress lines would end up in a notebook's stored outputs and break nbval, so they are
    # off unless asked for, and TQDM_DISABLE (the convention notebook runners set) wins.
    return bool(progress) and os.environ.get("TQDM_DISABLE", "").lower() not in {"1", "true", "yes"}


def train(
    model,
    loss_fn: Callable,
    train_data,
    *,
    validation_data=None,
    epochs: int = 10,
    batch_size: int = 32,
    optimizer="adam",
    lr: float = 1e-2,
    optimizer_options: dict | None = None,
    seed: int = 0,
    shuffle: bool = True,
    clip_grad_norm: float | None = None,
    num_threads: int | None = 1,
    progress: bool = False,
) -> TrainingResult:
    """Train ``model`` with mini-batch gradient descent, reproducibly.

    Parameters
    ----------
    model : torch.nn.Module or callable
        The model, or a zero-argument function that builds it. A function is called after
        ``torch.manual_seed(seed)``, so the initial weights are seeded too (pass a factory to get
        bitwise-identical results from the same seed).
    loss_fn : callable
        ``loss_fn(output, target)`` returning a scalar tensor, the mean over the batch (e.g.
        ``torch.nn.functional.cross_entropy`` on logits).
    train_data : (inputs, target) or callable
        Either a pair of tensors with the same first dimension (``inputs`` may be a tuple of
        tensors, passed to the model as ``model(*inputs)``), split into shuffled mini-batches of
        ``batch_size``; or a function ``make_batches(generator)`` that returns an iterable of
        ``(inputs, target)`` pairs for one epoch.
    validation_data : (inputs, target) or callable, optional
        Evaluated after every epoch without gradients, in ``eval()`` mode, unshuffled.
    epochs : int
        Passes over the training data (>= 1).
    batch_size : int
        Mini-batch size for tensor data (>= 1).
    optimizer : {"adam", "adamw", "sgd", "rmsprop"} or torch optimizer class
    lr : float
        Learning rate (> 0).
    optimizer_options : dict, optional
        Extra keyword arguments for the optimizer (``momentum``, ``weight_decay``...).
    seed : int
        Seeds the weights (factory models), the shuffling and any dropout.
    shuffle : bool
        Shuffle tensor training data every epoch.
    clip_grad_norm : float, optional
        Clip the gradient's total norm to this value before each step.
    num_threads : int or None
        torch threads used inside the loop (restored afterwards); None leaves the setting alone.
    progress : bool
        Print one line per epoch. Off by default, and silenced by ``TQDM_DISABLE=1``, so stored
        notebook outputs stay the same.

    Returns
    -------
    TrainingResult
        The trained model (in ``eval()`` mode) and its loss history.

    Raises
    ------
    ValueError
        For a non-positive ``epochs``, ``batch_size`` or ``lr``, an unknown optimizer, data that
        is not a pair of tensors of the same length, or a loss that becomes nan or infinite.
    """
    epochs, batch_size, lr = _check_arguments(epochs, batch_size, lr, num_threads, train_data, validation_data)
    with _reproducible_torch(seed, num_threads):
        model = _build(model)
        opt = _make_optimizer(optimizer, model.parameters(), lr, dict(optimizer_options or {}))
        generator = torch.Generator().manual_seed(seed)
        result = TrainingResult(model=model)
        show = _progress_wanted(progress)
        for epoch in range(epochs):
            batches = _epoch_batches(train_data, batch_size, generator, shuffle, "train_data")
            result.train_loss.append(
                _train_one_epoch(model, loss_fn, batches, opt, clip_grad_norm, result.step_loss, epoch=epoch, lr=lr)
            )
            if validation_data is not None:
                result.validation_loss.append(evaluate_loss(model, loss_fn, validation_data, batch_size=batch_size))
            if show:
                line = f"epoch {epoch + 1}/{epochs}  train loss {result.train_loss[-1]:.4f}"
                if result.validation_loss:
                    line += f"  validation loss {result.validation_loss[-1]:.4f}"
                print(line, file=sys.stdout, flush=True)
        model.eval()
        return result


def _check_arguments(epochs, batch_size, lr, num_threads, train_data, validation_data):
    """Refuse bad arguments before any global torch setting is touched."""
    epochs = _validation.positive_int(epochs, "epochs")
    batch_size = _validation.positive_int(batch_size, "batch_size")
    lr = _validation.positive_real(lr, "lr")
    if num_threads is not None:
        _validation.positive_int(num_threads, "num_threads")
    if not callable(train_data):
        _check_tensor_pair(train_data, "train_data")
    if validation_data is not None and not callable(validation_data):
        _check_tensor_pair(validation_data, "validation_data")
    return epochs, batch_size, lr


@contextlib.contextmanager
def _reproducible_torch(seed, num_threads):
    """Seed torch, make it deterministic and fix its thread count; restore the last two afterwards."""
    previous_deterministic = torch.are_deterministic_algorithms_enabled()
    previous_threads = torch.get_num_threads()
    try:
        torch.use_deterministic_algorithms(True)
        if num_threads is not None:
            torch.set_num_threads(num_threads)
        torch.manual_seed(seed)
        yield
    finally:
        torch.use_deterministic_algorithms(previous_deterministic)
        torch.set_num_threads(previous_threads)


def _build(model):
    """The model itself, or the one a zero-argument factory builds (after the seed is set)."""
    if isinstance(model, nn.Module):
        return model
    if not callable(model):
        raise ValueError(f"model must be a torch.nn.Module or a function that builds one, got {model!r}")
    built = model()
    if not isinstance(built, nn.Module):
        raise ValueError(f"the model factory returned {type(built).__name__}, not a torch.nn.Module")
    return built


def _train_one_epoch(model, loss_fn, batches, opt, clip_grad_norm, step_loss, *, epoch, lr):
    """One pass of optimizer steps; returns the epoch's mean loss (weighted by batch size)."""
    model.train()
    total, count = 0.0, 0
    for inputs, target in batches:
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(model(*inputs), target)
        if not torch.isfinite(loss):
            raise ValueError(f"the loss became {loss.item()} at epoch {epoch + 1}: lower lr (now {lr})")
        loss.backward()
        if clip_grad_norm is not None:
            nn.utils.clip_grad_norm_(model.parameters(), clip_grad_norm)
        opt.step()
        value = loss.item()
        size = int(target.shape[0])
        step_loss.append(value)
        total += value * size
        count += size
    if count == 0:
        raise ValueError("train_data produced no batches")
    return total / count


@torch.no_grad()
def evaluate_loss(model: nn.Module, loss_fn: Callable, data, *, batch_size: int = 1024) -> float:
    """Mean of ``loss_fn`` over ``data`` (weighted by batch size), in ``eval()`` mode, no gradients.

    ``data`` is a pair ``(inputs, target)`` of tensors or a function ``make_batches(generator)``
    (called with ``None``). The model's train/eval mode is restored afterwards.
    """
    was_training = model.training
    model.eval()
    try:
        total, count = 0.0, 0
        for inputs, target in _epoch_batches(data, batch_size, None, False, "data"):
            size = int(target.shape[0])
            total += loss_fn(model(*inputs), target).item() * size
            count += size
        if count == 0:
            raise ValueError("data produced no batches")
        return total / count
    finally:
        model.train(was_training)


@torch.no_grad()
def predict(model: nn.Module, inputs, *, batch_size: int = 1024) -> torch.Tensor:
    """The model's outputs (logits for this package's models) for ``inputs``, in ``eval()`` mode.

    ``inputs`` is a tensor or a tuple of tensors sharing the first dimension. The model's
    train/eval mode is restored afterwards.
    """
    inputs = _as_tuple(inputs)
    if not all(isinstance(t, torch.Tensor) for t in inputs):
        raise ValueError(f"inputs must be a tensor or a tuple of tensors, got {type(inputs[0]).__name__}")
    batch_size = _validation.positive_int(batch_size, "batch_size")
    was_training = model.training
    model.eval()
    try:
        n = int(inputs[0].shape[0])
        parts = [model(*(x[i : i + batch_size] for x in inputs)) for i in range(0, n, batch_size)]
        return torch.cat(parts) if parts else model(*inputs)
    finally:
        model.train(was_training)


def accuracy(logits, target) -> float:
    """Fraction of rows whose arg-max over the last axis equals ``target`` (a number in [0, 1])."""
    logits = torch.as_tensor(logits)
    target = torch.as_tensor(target)
    if logits.shape[:-1] != target.shape:
        raise ValueError(f"logits of shape {tuple(logits.shape)} do not match target of shape {tuple(target.shape)}")
    if target.numel() == 0:
        raise ValueError("target is empty")
    return float((logits.argmax(dim=-1) == target).double().mean())

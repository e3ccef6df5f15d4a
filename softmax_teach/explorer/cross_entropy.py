"""Tab 3, "Cross-entropy": the loss of a true class, label smoothing, and the gradient p − y."""

from __future__ import annotations

import anywidget
import numpy as np
import traitlets

from softmax_teach import numerics
from softmax_teach.explorer import _assets, _checks

DEFAULT_LOGITS = (2.0, 1.0, 0.1)


class CrossEntropyTab(anywidget.AnyWidget):
    """Cross-entropy of a true class under ``softmax(logits)``, with label smoothing.

    Parameters
    ----------
    logits : list of float
        2 to 8 finite numbers within ±10000.
    true_class : int
        Index of the correct class; it moves to the last class when the logits shrink below it.
    label_smoothing : float
        ``ε`` in [0, 1]: the target is ``(1 − ε)·one_hot + ε / C``.

    Examples
    --------
    >>> tab = CrossEntropyTab(logits=[2.0, 1.0, 0.1], true_class=0)
    >>> round(tab.loss, 4)
    0.417
    """

    _esm = _assets.esm("cross_entropy.js")
    _css = _assets.css()
    logits = traitlets.List(traitlets.Any(), default_value=list(DEFAULT_LOGITS)).tag(sync=True)
    true_class = _checks.Whole(0).tag(sync=True)
    label_smoothing = _checks.Real(0.0).tag(sync=True)

    @traitlets.validate("logits")
    def _check_logits(self, proposal):
        return _checks.logits(proposal["value"])

    @traitlets.observe("logits")
    def _keep_true_class(self, change):
        if self.true_class >= len(change["new"]):
            self.true_class = len(change["new"]) - 1

    @traitlets.validate("true_class")
    def _check_true_class(self, proposal):
        return _checks.whole(proposal["value"], "true_class", 0, len(self.logits) - 1)

    @traitlets.validate("label_smoothing")
    def _check_label_smoothing(self, proposal):
        return _checks.in_range(proposal["value"], "label_smoothing", 0.0, 1.0)

    # ------------------------------------------------------------------ read-outs
    @property
    def probabilities(self):
        """``softmax(logits)``."""
        return numerics.softmax(np.asarray(self.logits))

    @property
    def target(self):
        """The (smoothed) target distribution ``y``."""
        one_hot = np.eye(len(self.logits))[self.true_class]
        return (1 - self.label_smoothing) * one_hot + self.label_smoothing / len(self.logits)

    @property
    def loss(self):
        """Cross-entropy in nats, from :func:`numerics.cross_entropy`."""
        return float(
            numerics.cross_entropy(
                np.asarray([self.logits]), np.asarray([self.true_class]), label_smoothing=self.label_smoothing
            )
        )

    @property
    def minimum_loss(self):
        """The smallest loss any logits can reach with this target: its entropy."""
        return float(numerics.entropy(self.target))

    @property
    def gradient(self):
        """``d loss / d logits = p − y``."""
        return self.probabilities - self.target

"""The sampling settings the Sampling and Generate tabs share: temperature, top-k, top-p and min-p."""

from __future__ import annotations

import traitlets

from softmax_teach.explorer import _checks


class SamplingSettings(traitlets.HasTraits):
    """Synced, validated ``temperature`` (0.01 to 100), ``top_k`` (0: off, up to :attr:`max_top_k`),
    ``top_p`` (0.01 to 1; 1: off) and ``min_p`` (0 to 1; 0: off), mixed into a tab widget.

    The ranges equal the sliders' in the tabs' ES modules, so a value the page can send is one
    Python accepts and the other way round.
    """

    #: The largest ``top_k`` a tab offers (a subclass sets its own).
    max_top_k = 8

    temperature = _checks.Real(1.0).tag(sync=True)
    top_k = _checks.Whole(0).tag(sync=True)
    top_p = _checks.Real(1.0).tag(sync=True)
    min_p = _checks.Real(0.0).tag(sync=True)

    @traitlets.validate("temperature")
    def _check_temperature(self, proposal):
        return _checks.temperature(proposal["value"])

    @traitlets.validate("top_k")
    def _check_top_k(self, proposal):
        return _checks.whole(proposal["value"], "top_k (0: off)", 0, self.max_top_k)

    @traitlets.validate("top_p")
    def _check_top_p(self, proposal):
        return _checks.in_range(proposal["value"], "top_p (1: off)", 0.01, 1.0)

    @traitlets.validate("min_p")
    def _check_min_p(self, proposal):
        return _checks.in_range(proposal["value"], "min_p (0: off)", 0.0, 1.0)

    @property
    def filters(self):
        """The filters as :func:`softmax_teach.numerics.sampling_probabilities` takes them (``None``: off)."""
        return {
            "top_k": self.top_k or None,
            "top_p": self.top_p if self.top_p < 1 else None,
            "min_p": self.min_p or None,
        }

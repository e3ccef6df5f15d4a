"""Convert the character model's weights for the Explorer's Generate tab, without retraining.

Usage: python scripts/pack_charlm_weights.py [NPZ [OUTPUT]]
(defaults: softmax_teach/data/tiny_lm.npz -> softmax_teach/explorer/js/charlm_weights.bin)

``scripts/train_tiny_lm.py`` does the same after training; the format is described in
:mod:`softmax_teach.explorer.charlm`.
"""

from __future__ import annotations

import sys
from pathlib import Path

from softmax_teach.explorer.charlm import write_weights_file

DEFAULT_NPZ = Path(__file__).resolve().parents[1] / "softmax_teach" / "data" / "tiny_lm.npz"

if __name__ == "__main__":
    arguments = sys.argv[1:]
    print(write_weights_file(arguments[0] if arguments else DEFAULT_NPZ, arguments[1] if len(arguments) > 1 else None))

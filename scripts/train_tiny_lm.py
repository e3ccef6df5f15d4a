"""Train the character model that the dashboard's Generate tab samples from, and save its weights.

Usage: python scripts/train_tiny_lm.py [OUTPUT]   (default: softmax_teach/data/tiny_lm.npz)

With the default output it also rewrites the Explorer's copy of the weights for the browser,
``softmax_teach/explorer/js/charlm_weights.bin`` (:mod:`softmax_teach.explorer.charlm`; to convert
an existing npz without retraining: ``python scripts/pack_charlm_weights.py``).

The model is notebook 14's CharLM, trained by the same seeded loop (``train_char_lm``) on the same
corpus split, with a smaller GRU so that the float32 weights stay under 200 KB. Run it on the
canonical CPU lane (``scripts/cpu-lane avx2 …``) so the shipped file does not depend on the CPU of
whoever retrains it; the same seed then gives bitwise the same weights.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

from softmax_teach.data.text import load_text_split
from softmax_teach.explorer.charlm import write_weights_file
from softmax_teach.models.language import compare_with_unigram, train_char_lm
from softmax_teach.tiny_lm import PARAMETERS

HIDDEN_DIM = 96
EPOCHS = 20
DEFAULT_OUTPUT = Path(__file__).resolve().parents[1] / "softmax_teach" / "data" / "tiny_lm.npz"


def main(argv):
    output = Path(argv[0]) if argv else DEFAULT_OUTPUT
    split = load_text_split()
    result = train_char_lm(split, hidden_dim=HIDDEN_DIM, epochs=EPOCHS, seed=0)
    state = {name: tensor.detach().numpy().astype(np.float32) for name, tensor in result.model.state_dict().items()}
    np.savez_compressed(
        output, vocabulary=np.array("".join(split.vocabulary.chars)), **{name: state[name] for name in PARAMETERS}
    )
    if output == DEFAULT_OUTPUT:
        print(f"{write_weights_file(output)}: the same weights for the Explorer's Generate tab")
    report = compare_with_unigram(result.model, split)
    print(
        f"{output}: {output.stat().st_size / 1024:.0f} KB, held-out perplexity {report.model_perplexity:.2f} "
        f"(unigram {report.unigram_perplexity:.2f})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""The character model's weights as one small binary file the browser can read.

The Generate tab runs notebook 14's CharLM (:mod:`softmax_teach.tiny_lm`) in JavaScript
(``js/charlm.js``). Its weights ship as ``js/charlm_weights.bin``, converted once from
``softmax_teach/data/tiny_lm.npz`` by :func:`write_weights_file` (``scripts/train_tiny_lm.py``
calls it after training; ``scripts/pack_charlm_weights.py`` converts an existing npz).

Format: the safetensors layout, so any safetensors reader can open it and no custom parser is
needed beyond a few lines: an unsigned 64-bit little-endian header length ``N``; ``N`` bytes of
JSON (padded with spaces to a multiple of 8) naming each tensor's ``dtype`` (``"F32"``),
``shape`` and ``data_offsets`` (byte range after the header), with the model's characters in
``__metadata__["vocabulary"]``; then the tensors as little-endian float32, in
:data:`softmax_teach.tiny_lm.PARAMETERS` order. About 166 KB.
"""

from __future__ import annotations

import json
import struct
from importlib import resources
from pathlib import Path

import numpy as np

from softmax_teach.tiny_lm import PARAMETERS

WEIGHTS_FILE = "charlm_weights.bin"
#: The tensors, in file order: PyTorch's ``state_dict`` names, as the numpy model reads them.


def pack_weights(vocabulary, weights):
    """The file's bytes for ``vocabulary`` (a str of characters) and ``{name: float32 array}``."""
    header, chunks, offset = {"__metadata__": {"vocabulary": vocabulary}}, [], 0
    for name in PARAMETERS:
        data = np.ascontiguousarray(weights[name], dtype="<f4").tobytes()
        header[name] = {
            "dtype": "F32",
            "shape": list(weights[name].shape),
            "data_offsets": [offset, offset + len(data)],
        }
        chunks.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":"), ensure_ascii=True).encode("ascii")
    text += b" " * (-len(text) % 8)
    return struct.pack("<Q", len(text)) + text + b"".join(chunks)


def unpack_weights(data):
    """``(vocabulary, {name: float32 array})`` from the file's bytes (the inverse of :func:`pack_weights`)."""
    (length,) = struct.unpack_from("<Q", data)
    header = json.loads(data[8 : 8 + length])
    body = memoryview(data)[8 + length :]
    weights = {}
    for name in PARAMETERS:
        start, end = header[name]["data_offsets"]
        weights[name] = np.frombuffer(body[start:end], dtype="<f4").reshape(header[name]["shape"]).astype(np.float32)
    return header["__metadata__"]["vocabulary"], weights


def weights_bytes():
    """The shipped file's bytes (what the Generate tab sends to the browser)."""
    return (resources.files(__package__) / "js" / WEIGHTS_FILE).read_bytes()


def write_weights_file(npz_path, output=None):
    """Convert ``tiny_lm.npz`` into the shipped binary file (default: ``js/charlm_weights.bin``)."""
    output = Path(output) if output else Path(__file__).resolve().parent / "js" / WEIGHTS_FILE
    with np.load(npz_path) as archive:
        vocabulary = str(archive["vocabulary"])
        weights = {name: archive[name].astype(np.float32) for name in PARAMETERS}
    output.write_bytes(pack_weights(vocabulary, weights))
    return output

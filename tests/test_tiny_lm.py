"""The shipped numpy language model: the torch CharLM's logits for the same weights, small, torch-free."""

import subprocess
import sys
from importlib import resources

import numpy as np
import pytest
import torch

from softmax_teach.data.text import load_text_split
from softmax_teach.models.language import CharLM, mean_negative_log_likelihood
from softmax_teach.tiny_lm import PARAMETERS, TinyLM, load_tiny_lm


@pytest.fixture(scope="module")
def model():
    return load_tiny_lm()


def _torch_twin(model):
    twin = CharLM(len(model.vocabulary), model.weights["embedding.weight"].shape[1], model.hidden_dim)
    twin.load_state_dict({name: torch.from_numpy(model.weights[name]) for name in PARAMETERS})
    return twin.eval()


def test_numpy_logits_equal_the_torch_models_for_the_same_weights(model):
    twin = _torch_twin(model)
    text = "on monday the sky is grey and the wind is cold.\nthe chance of rain is high."
    with torch.no_grad():
        expected = twin(torch.from_numpy(model.vocabulary.encode(text))[None])[0].numpy()
    np.testing.assert_allclose(model.logits(text), expected, atol=1e-5, rtol=0)
    np.testing.assert_allclose(model.next_logits(text), expected[-1], atol=1e-5, rtol=0)


def test_the_shipped_model_learned_the_corpus(model):
    split = load_text_split()
    assert model.vocabulary.chars == split.vocabulary.chars
    nll = mean_negative_log_likelihood(_torch_twin(model), split.validation_ids)
    assert np.exp(nll) < 3.0  # the unigram baseline is 17.8, a uniform guess 32


def test_the_weights_file_is_small():
    size = resources.files("softmax_teach.data").joinpath("tiny_lm.npz").stat().st_size
    assert size < 200 * 1024


def test_importing_it_does_not_import_torch():
    code = "import sys, softmax_teach.tiny_lm as m; m.load_tiny_lm(); print('torch' in sys.modules)"
    assert (
        subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
        == "False"
    )


def test_bad_text_and_bad_weights_are_refused(model):
    with pytest.raises(ValueError, match="at least one character"):
        model.logits("")
    with pytest.raises(ValueError, match="'Q'"):
        model.logits("Question")
    broken = dict(model.weights)
    broken["fc.bias"] = broken["fc.bias"][:-1]
    with pytest.raises(ValueError, match="wrong shape"):
        TinyLM(model.vocabulary, broken)
    with pytest.raises(ValueError, match="lack"):
        TinyLM(model.vocabulary, {})

"""The Explorer's JavaScript (js/core.js, js/parsing.js) agrees with the Python package.

Each function runs under node on at least 1,000 random cases (one node process per batch) and is
compared with :mod:`softmax_teach.numerics` to 1e-12 in float64, the seeded draws with their
Python twin (:mod:`softmax_teach.explorer.prng`) exactly, and the parsers with
:mod:`softmax_teach.explorer.parsing` (same accept/reject, same message).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from explorer_node import JS_DIR, call_js, require_node

from softmax_teach import numerics
from softmax_teach.explorer import charlm, parsing, prng, temperature
from softmax_teach.explorer.temperature import naive_softmax

require_node()

CASES = 1000
TOLERANCE = {"rtol": 1e-12, "atol": 1e-12}


def close(actual, expected, **tolerance):
    """``assert_allclose`` (nan where the other has nan), with a quick path for the passing case."""
    actual, expected, tolerance = (
        np.asarray(actual, dtype=float),
        np.asarray(expected, dtype=float),
        tolerance or TOLERANCE,
    )
    if actual.shape != expected.shape or not np.allclose(actual, expected, equal_nan=True, **tolerance):
        np.testing.assert_allclose(actual, expected, **tolerance)


def random_logits(rng):
    """2 to 8 logits: small, large (±10000), or with ties (drawn from a few integers)."""
    n = int(rng.integers(2, 9))
    kind = rng.integers(3)
    if kind == 0:
        return np.round(rng.normal(0, 3, n), 3)
    if kind == 1:
        return np.round(rng.uniform(-10000, 10000, n), 2)
    return rng.integers(-3, 4, n).astype(float)


def random_temperature(rng):
    """T log-uniform from 0.01 to 100, or one of the slider's round values (0.01 and 100 included)."""
    if rng.random() < 0.2:
        return float(rng.choice([0.01, 0.1, 0.5, 1.0, 2.0, 100.0]))
    return float(10 ** rng.uniform(-2, 2))


@pytest.fixture(scope="module")
def rng():
    return np.random.default_rng(20261203)


# --------------------------------------------------------------------------- softmax and summary


def test_stable_softmax_equals_numerics(rng):
    cases = [(random_logits(rng), random_temperature(rng)) for _ in range(CASES)]
    results = call_js("core.js", [("softmax", x, t) for x, t in cases])
    for (x, t), p in zip(cases, results):
        close(p, numerics.softmax(x, temperature=t))


def test_unstable_softmax_is_the_slides_formula_and_reports_overflow(rng):
    cases = [(random_logits(rng), random_temperature(rng)) for _ in range(CASES)]
    cases += [
        ([1000.0, 2000.0, 3000.0], 1.0),
        ([709.0, 709.0, 709.0], 1.0),
        ([709.5, 709.5], 1.0),
        ([-800.0, -900.0], 1.0),
    ]
    calls = []
    for x, t in cases:
        calls += [("softmax", x, t, {"stable": False}), ("softmaxOverflows", x, t)]
    results = call_js("core.js", calls)
    overflowed = 0
    for (x, t), p, flag in zip(cases, results[::2], results[1::2]):
        expected, expected_flag = naive_softmax(x, t)
        close(p, expected)  # nan where numpy has nan (assert_allclose compares nan positions)
        assert flag == expected_flag, (x, t)
        overflowed += flag
    assert overflowed > 100  # the random cases do exercise the overflow
    assert all(math.isnan(v) for v in results[-8]) and results[-7] is True  # 1000, 2000, 3000: inf / inf
    assert results[-6] == [0.0, 0.0, 0.0] and results[-5] is True  # 709 x 3: each exp finite, the sum not
    assert results[-3] is True  # 709.5, 709.5
    assert all(math.isnan(v) for v in results[-2]) and results[-1] is False  # underflow: 0 / 0, no overflow


def test_summary_equals_numerics_and_flags_broken_rows(rng):
    cases = [(random_logits(rng), random_temperature(rng), bool(rng.random() < 0.7)) for _ in range(CASES)]
    cases += [([709.0, 709.0, 709.0], 1.0, False), ([709.5, 709.5], 1.0, False), ([1000.0, 2000.0, 3000.0], 1.0, False)]
    probabilities = call_js("core.js", [("softmax", x, t, {"stable": s}) for x, t, s in cases])
    summaries = call_js("core.js", [("summarise", p) for p in probabilities])
    invalid = 0
    for p, summary in zip(probabilities, summaries):
        p = np.asarray(p)
        if not temperature.is_distribution(p):
            numbers = [summary[key] for key in ("entropyNats", "entropyBits", "perplexity", "maxProb")]
            assert all(math.isnan(v) for v in numbers) and summary["argmax"] == -1 and not summary["valid"]
            invalid += 1
            continue
        nats = float(numerics.entropy(p))
        close(summary["entropyNats"], nats)
        close(summary["entropyBits"], float(numerics.entropy(p, base=2)))
        close(summary["perplexity"], math.exp(nats))
        assert summary["maxProb"] == p.max() and summary["argmax"] == int(np.argmax(p))
    assert invalid >= 3


# --------------------------------------------------------------------------- filters


def random_filters(rng, n):
    top_k = int(rng.integers(0, n + 1)) if rng.random() < 0.6 else 0
    top_p = float(rng.integers(1, 101)) / 100 if rng.random() < 0.6 else 1.0
    min_p = float(rng.integers(0, 101)) / 100 if rng.random() < 0.5 else 0.0
    return top_k, top_p, min_p


def off(top_k, top_p, min_p):
    """The tabs' neutral values (k 0, p 1, min-p 0) as numerics' None."""
    return {"top_k": top_k or None, "top_p": top_p if top_p < 1 else None, "min_p": min_p or None}


def test_filters_equal_numerics_sampling_probabilities(rng):
    cases = []
    for _ in range(2 * CASES):
        x = random_logits(rng)
        cases.append((x, random_temperature(rng), *random_filters(rng, len(x))))
    options = [{"temperature": t, "topK": k, "topP": p, "minP": m} for _, t, k, p, m in cases]
    results = call_js("core.js", [("filterDistribution", x, o) for (x, *_), o in zip(cases, options)])
    cuts = {"topK": 0, "topP": 0, "minP": 0}
    for (x, t, k, p, m), result in zip(cases, results):
        before = numerics.softmax(x, temperature=t)
        order = np.argsort(-before, kind="stable")
        close(result["before"], before)
        assert result["order"] == order.tolist()
        close(result["cumulative"], np.cumsum(before[order]))
        after = numerics.sampling_probabilities(x, temperature=t, **off(k, p, m))
        close(result["after"], after)
        assert result["kept"] == (after > 0).tolist()
        # What each filter itself removed, from numerics applied one filter more at a time.
        steps = [
            before,
            numerics.sampling_probabilities(x, temperature=t, **off(k, 1.0, 0.0)),
            numerics.sampling_probabilities(x, temperature=t, **off(k, p, 0.0)),
            after,
        ]
        for name, previous, following in zip(("topK", "topP", "minP"), steps, steps[1:]):
            assert result["cutBy"][name] == np.flatnonzero((previous > 0) & (following == 0)).tolist()
            cuts[name] += bool(result["cutBy"][name])
    assert min(cuts.values()) > 100  # every filter cut something in many cases


def test_ties_keep_index_order_and_top_k_keeps_the_tied():
    results = call_js(
        "core.js",
        [
            ("filterDistribution", [1, 1, 1, 1], {"topK": 2}),
            ("filterDistribution", [2, 1, 1, 0], {"topK": 2}),
            ("filterDistribution", [1, 1, 1, 1], {"topP": 0.5}),
            ("filterDistribution", [3, 3, 1], {"minP": 1}),
        ],
    )
    assert results[0]["after"] == [0.25] * 4  # all tied with the 2nd: all kept, as numerics does
    assert results[1]["kept"] == [True, True, True, False]
    assert results[2]["order"] == [0, 1, 2, 3] and results[2]["after"] == [0.5, 0.5, 0, 0]
    assert results[3]["after"] == [0.5, 0.5, 0]


def test_total_variation(rng):
    pairs = [(rng.dirichlet(np.ones(n)), rng.dirichlet(np.ones(n))) for n in rng.integers(2, 9, CASES)]
    results = call_js("core.js", [("totalVariation", p, q) for p, q in pairs])
    for (p, q), tv in zip(pairs, results):
        close(tv, 0.5 * np.abs(p - q).sum())


# --------------------------------------------------------------------------- randomness


def test_prng_is_bit_identical_to_the_python_twin(rng):
    seeds = [0, 1, 2, parsing.MAX_SEED] + rng.integers(0, 2**32, CASES).tolist()
    streams = [0, 0, 7, parsing.MAX_SEED] + rng.integers(0, 2**32, CASES).tolist()
    draws = [rng.dirichlet(np.ones(int(n))) for n in rng.integers(2, 9, len(seeds))]
    calls = [("uniforms", s, k, 5) for s, k in zip(seeds, streams)]
    results = call_js("core.js", [("draw", p, 20, s, k) for p, s, k in zip(draws, seeds, streams)])
    for p, s, k, got in zip(draws, seeds, streams, results):
        assert got == prng.draw(p, 20, s, k)
    uniforms = call_js("core.js", calls)
    for (_, s, k, n), got in zip(calls, uniforms):
        random = prng.Random(s, k)
        assert got == [random() for _ in range(n)]


def test_draws_follow_the_distribution():
    p = [0.5, 0.25, 0.15, 0.1, 0.0]
    draws, frequencies = call_js("core.js", [("draw", p, 20000, 3), ("frequencies", prng.draw(p, 20000, 3), 5)])
    shares = np.bincount(draws, minlength=5) / 20000
    close(frequencies, shares)
    assert shares[4] == 0  # a cut class is never drawn
    # Binomial standard errors are at most 0.0036 here: 5 of them is a generous bound.
    assert np.abs(shares - p).max() < 0.018, shares


def test_draws_of_filtered_distributions_equal_python(rng):
    cases = []
    for _ in range(CASES):
        x = random_logits(rng)
        cases.append((x, random_temperature(rng), *random_filters(rng, len(x)), int(rng.integers(0, 2**32))))
    results = call_js(
        "core.js",
        [("drawFiltered", x, {"temperature": t, "topK": k, "topP": p, "minP": m}, 50, s) for x, t, k, p, m, s in cases],
    )
    for (x, t, k, p, m, s), got in zip(cases, results):
        after = numerics.sampling_probabilities(x, temperature=t, **off(k, p, m))
        assert got == prng.draw(after, 50, s)
    shares = call_js("core.js", [("frequencies", got, len(x)) for (x, *_), got in zip(cases, results)])
    for (x, *_), got, share in zip(cases, results, shares):
        np.testing.assert_array_equal(share, np.bincount(got, minlength=len(x)) / 50)


def test_normals_for_attention_and_randomise_equal_python(rng):
    cases = [
        (int(n), int(d), int(s))
        for n, d, s in zip(rng.integers(1, 7, CASES), rng.integers(1, 9, CASES), rng.integers(0, 2**32, CASES))
    ]
    calls = [("queriesAndKeys", n, d, s) for n, d, s in cases] + [("randomLogits", n, s) for n, _, s in cases]
    results = call_js("core.js", calls)
    for (n, d, s), got in zip(cases, results[:CASES]):
        queries, keys = prng.queries_and_keys(n, d, s)
        close(got["queries"], queries)
        close(got["keys"], keys)
    for (n, _, s), got in zip(cases, results[CASES:]):
        assert got == prng.random_logits(n, s)
    everything = np.concatenate([np.ravel(r["queries"]) for r in results[:CASES]])
    assert abs(everything.mean()) < 0.05 and abs(everything.std() - 1) < 0.05  # N(0, 1)


# --------------------------------------------------------------------------- losses and attention


def test_cross_entropy_equals_numerics(rng):
    cases = []
    for _ in range(CASES):
        x = random_logits(rng)
        smoothing = float(rng.choice([0.0, 1.0, rng.random(), round(rng.random(), 2)]))
        cases.append((x, int(rng.integers(len(x))), smoothing))
    results = call_js("core.js", [("crossEntropy", x, c, e) for x, c, e in cases])
    for (x, c, e), result in zip(cases, results):
        target = (1 - e) * np.eye(len(x))[c] + e / len(x)
        p = numerics.softmax(x)
        close(result["probs"], p)
        close(result["target"], target)
        loss = float(numerics.cross_entropy(x[None, :], np.array([c]), label_smoothing=e))
        close(result["loss"], loss)
        close(result["gradient"], p - target)


def test_attention_weights_equal_numerics(rng):
    cases = []
    for _ in range(CASES):
        n, d = int(rng.integers(1, 9)), int(rng.choice([1, 2, 4, 8, 16, 32, 64]))
        cases.append(
            (
                rng.standard_normal((n, d)),
                rng.standard_normal((n, d)),
                bool(rng.random() < 0.5),
                bool(rng.random() < 0.5),
            )
        )
    results = call_js("core.js", [("attention", q, k, {"scale": s, "causal": c}) for q, k, s, c in cases])
    for (q, k, s, c), result in zip(cases, results):
        n, d = q.shape
        mask = np.tril(np.ones((n, n), dtype=bool)) if c else np.ones((n, n), dtype=bool)
        scores = q @ k.T / (math.sqrt(d) if s else 1.0)
        weights = numerics.softmax(np.where(mask, scores, -np.inf), axis=-1)
        assert result["mask"] == mask.tolist()
        close(np.where(mask, result["scores"], 0.0), np.where(mask, scores, 0.0), rtol=1e-12, atol=1e-12 * math.sqrt(d))
        close(result["weights"], weights)
        close(result["entropyBits"], numerics.entropy(weights, axis=-1, base=2))


# --------------------------------------------------------------------------- parsers

PIECES = [
    "0",
    "1",
    "2",
    "7",
    "9",
    "12",
    ".",
    ".5",
    "5.",
    "e",
    "E",
    "e3",
    "e-2",
    "+",
    "-",
    ",",
    ";",
    " ",
    "  ",
    "\t",
    "\n",
    "[",
    "]",
    "(",
    ")",
    "inf",
    "-Infinity",
    "NaN",
    "x",
    "abc",
    "_",
    "1_000",
    "0x10",
    "\u0663",
    "\u00a0",
    "\x1c",
    "\ufeff",
    "\u2003",
    "…",
    "10000",
    "10000.01",
    "1e999",
    "709.5",
    "0.01",
    "100",
    "4294967295",
    "4294967296",
    "\u0130",
    "TRUE",
    "yes",
    "Off",
    "on",
    "%",
    "=",
    "&",
]


def random_texts(rng, n):
    return ["".join(rng.choice(PIECES, int(rng.integers(0, 7)))) for _ in range(n)]


def python_result(parse, *args):
    try:
        value = parse(*args)
    except ValueError as error:
        return {"error": str(error)}
    return {"value": list(value) if isinstance(value, tuple) else value}


PARSERS = [
    ("parseLogits", lambda text: python_result(parsing.parse_logits, text), lambda text: [text]),
    ("parseTemperature", lambda text: python_result(parsing.parse_temperature, text), lambda text: [text]),
    ("parseSeed", lambda text: python_result(parsing.parse_seed, text), lambda text: [text]),
    ("parseFlag", lambda text: python_result(parsing.parse_flag, "stable", text), lambda text: ["stable", text]),
    (
        "parseWhole",
        lambda text: python_result(parsing.parse_whole, "top_k", text, 0, 8),
        lambda text: ["top_k", text, 0, 8],
    ),
    (
        "parseFraction",
        lambda text: python_result(parsing.parse_fraction, "top_p", text, 0.01, 1.0),
        lambda text: ["top_p", text, 0.01, 1.0],
    ),
]

CURATED = [
    "2, 1, 0.1",
    "[2 1 0.1]",
    "(3;2.5;2)",
    " 1000, 2000, 3000 ",
    "709,709,709",
    "",
    "   ",
    "[]",
    "2",
    "1,2,3,4,5,6,7,8,9",
    "2, x",
    "2, inf",
    "nan, 1",
    "10001, 1",
    "-10000, 10000",
    "1e4, -1e4",
    "0.5",
    "0",
    "100",
    "100.0001",
    "0.009",
    "3.7",
    "1e3",
    "+5",
    "007",
    "0.25",
    "0.125",
    "0.1234",
    "1.00",
    "abcdefghijklmnopqrstuvwxyz",
    "٣, ١",
    "1_000, 2",
    "TRUE",
    "Off",
    "maybe",
    "4294967295",
    "4294967296",
]


@pytest.mark.parametrize("name, python, arguments", PARSERS, ids=[p[0] for p in PARSERS])
def test_parsers_agree_with_python(rng, name, python, arguments):
    texts = CURATED + random_texts(rng, CASES)
    results = call_js("core.js", [(name, *arguments(text)) for text in texts])
    accepted = 0
    for text, got in zip(texts, results):
        assert got == python(text), text
        accepted += "value" in got
    assert 0 < accepted < len(texts)


def test_query_strings_agree_with_python(rng):
    pieces = [
        "a",
        "tab",
        "T",
        "=",
        "&",
        "?",
        "+",
        "%20",
        "%E2%9C%93",
        "%e2%9c",
        "%FF",
        "%zz",
        "%",
        "0.5",
        ",",
        "é",
        " ",
    ]
    texts = ["", "?", "??tab=sampling&logits=3,2.5,2,1&T=0.7&top_p=0.9", "a=1&a=2", "a&b=", "=x"]
    texts += ["".join(rng.choice(pieces, int(rng.integers(0, 9)))) for _ in range(CASES)]
    results = call_js("core.js", [("parseQuery", text) for text in texts])
    for text, got in zip(texts, results):
        assert got == parsing.parse_query(text), text
    items = [[(str(rng.choice(pieces[:3])), "".join(rng.choice(pieces, 4))) for _ in range(3)] for _ in range(CASES)]
    formatted = call_js("core.js", [("formatQuery", [list(item) for item in case]) for case in items])
    for case, got in zip(items, formatted):
        assert got == parsing.format_query(case)


def test_number_formats_agree_with_python(rng):
    values = [
        0.0,
        1.0,
        0.5,
        0.1,
        1 / 3,
        1000.0,
        1e16,
        1e15,
        123456789.0,
        1e-5,
        1e-4,
        0.000123,
        -2.5,
        709.5,
        1e300,
        5e-324,
    ]
    values += (rng.normal(0, 1, CASES) * 10.0 ** rng.integers(-8, 20, CASES)).tolist()
    values += [round(float(v), int(d)) for v, d in zip(rng.uniform(-100, 100, CASES), rng.integers(0, 4, CASES))]
    lists = [random_logits(rng).tolist() for _ in range(CASES)]
    separators = [str(rng.choice([", ", ","])) for _ in lists]
    results = call_js(
        "core.js",
        [("formatNumber", v) for v in values] + [("formatLogits", x, sep) for x, sep in zip(lists, separators)],
    )
    for value, got in zip(values, results):
        assert got == parsing.format_number(value), value
    for x, sep, got in zip(lists, separators, results[len(values) :]):
        assert got == parsing.format_logits(x, sep)
        assert parsing.parse_logits(got) == tuple(x)  # a box shows logits that read back exactly


def test_round_temperature_agrees_with_python(rng):
    positions = [round(-2 + 0.01 * i, 2) for i in range(401)] + rng.uniform(-2, 2, CASES).tolist()
    results = call_js("core.js", [("roundTemperature", x) for x in positions])
    for x, got in zip(positions, results):
        assert got == parsing.round_temperature(x), x


# --------------------------------------------------------------------------- the character model


@pytest.fixture(scope="module")
def tiny_lm():
    from softmax_teach.tiny_lm import load_tiny_lm

    return load_tiny_lm()


WEIGHTS = {"$file": str(JS_DIR / charlm.WEIGHTS_FILE)}


def random_text(rng, chars, length):
    return "".join(rng.choice(list(chars), length))


def test_charlm_reads_the_shipped_weights_exactly(tiny_lm):
    (weights,) = call_js("charlm.js", [("readWeights", WEIGHTS)])
    assert weights["vocabulary"] == "".join(tiny_lm.vocabulary.chars)
    for name, array in tiny_lm.weights.items():
        assert weights["tensors"][name]["shape"] == list(array.shape)
        np.testing.assert_array_equal(np.asarray(weights["tensors"][name]["data"], dtype=np.float32), array.ravel())


def test_charlm_logits_equal_tiny_lm(rng, tiny_lm):
    from softmax_teach.data.text import load_text_split

    corpus = load_text_split().validation_text
    texts = ["t", "the chance of ", corpus[:400]]
    texts += [
        corpus[start : start + int(n)]
        for start, n in zip(rng.integers(0, len(corpus) - 200, 60), rng.integers(1, 200, 60))
    ]
    texts += [random_text(rng, tiny_lm.vocabulary.chars, int(n)) for n in rng.integers(1, 120, 60)]
    results = call_js("charlm.js", [("textLogits", WEIGHTS, text) for text in texts])
    worst = 0.0
    for text, logits in zip(texts, results):
        expected = tiny_lm.logits(text)
        np.testing.assert_allclose(logits, expected, rtol=0, atol=1e-5, err_msg=repr(text))
        worst = max(worst, float(np.abs(np.asarray(logits) - expected).max()))
    assert worst > 0  # float64 here, float32 in numpy: equal to 1e-5, not bit for bit


def test_seeded_generation_equals_the_python_twin(rng):
    from softmax_teach.explorer.generate import GenerateTab

    tab = GenerateTab()
    cases = [("the chance of ", 1.0, 0, 1.0, 0.0, 0, 40), ("a" * 388, 1.0, 0, 1.0, 0.0, 1, 20)]
    for _ in range(12):
        settings = random_filters(rng, 40)
        cases.append(("on monday the sky is ", random_temperature(rng), *settings, int(rng.integers(0, 2**32)), 40))
    for _ in range(150):
        settings = random_filters(rng, 40)
        text = random_text(rng, tab.characters, int(rng.integers(1, 30)))
        cases.append((text, random_temperature(rng), *settings, int(rng.integers(0, 2**32)), 1))
    calls = [
        (
            "generateFrom",
            WEIGHTS,
            text,
            n,
            {"temperature": t, "topK": k or None, "topP": p if p < 1 else None, "minP": m or None},
            seed,
        )
        for text, t, k, p, m, seed, n in cases
    ]
    results = call_js("charlm.js", calls)
    for (text, t, k, p, m, seed, n), result in zip(cases, results):
        tab.text, tab.temperature, tab.top_k, tab.top_p, tab.min_p, tab.seed = text, t, k, p, m, seed
        drawn = tab.generate(n)
        assert result["drawn"] == drawn, (text, t, k, p, m, seed)
        assert result["text"] == tab.text and len(result["text"]) <= 400
        close(result["probabilities"], np.exp(tab.generated_log_probabilities), rtol=1e-4, atol=1e-6)


def test_text_box_agrees_with_the_python_tab(rng, tiny_lm):
    from softmax_teach.explorer.generate import check_text

    chars = list(tiny_lm.vocabulary.chars)
    odd = ["'", '"', "\\", "\t", "\r", "\x07", "\x7f", "\x85", "é", "É", "A", "!", "\u200b", "\u00a0", "\u2028", "😀"]
    texts = ["", "the chance of ", "a" * 450, "Don't", "x😀y"]
    texts += ["".join(rng.choice(chars + odd, int(rng.integers(0, 12)))) for _ in range(CASES)]
    results = call_js("charlm.js", [("parseText", text, chars) for text in texts])
    for text, got in zip(texts, results):
        try:
            expected = {"value": check_text(text, chars)}
        except ValueError as error:
            expected = {"error": str(error)}
        assert got == expected, repr(text)

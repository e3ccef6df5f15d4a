"""The reading list, the course map and the quiz, and notebook 15's text checked against them."""

import json
import math
import re
from pathlib import Path

import numpy as np
import pytest
import torch
from scipy.special import expit
from scipy.special import softmax as scipy_softmax

from softmax_teach.exercises.quiz import QUESTIONS, check_answer, check_quiz, quiz_markdown
from softmax_teach.resources import (
    ARXIV_TITLES,
    DASHBOARD,
    DECK_MISTAKES,
    LESSONS,
    READING_LIST,
    arxiv_ids_in,
    is_well_formed_url,
    notebook_map_markdown,
    reading_list_markdown,
)

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "notebooks" / "15_resources.ipynb"
MARKDOWN_LINK = re.compile(r"\[([^\]]+)\]\(([^)\s]*)\)")

# Checked by hand against arxiv.org, independently of the table in softmax_teach.resources:
# a second record, so that an edit to one identifier or title there cannot pass unnoticed.
EXPECTED_ARXIV = {
    "1706.03762": "Attention Is All You Need",
    "1805.02867": "Online normalizer calculation for softmax",
    "2205.14135": "FlashAttention: Fast and Memory-Efficient Exact Attention with IO-Awareness",
    "1706.04599": "On Calibration of Modern Neural Networks",
    "1611.01144": "Categorical Reparameterization with Gumbel-Softmax",
    "1602.02068": "From Softmax to Sparsemax: A Sparse Model of Attention and Multi-Label Classification",
    "1904.09751": "The Curious Case of Neural Text Degeneration",
    "1503.02531": "Distilling the Knowledge in a Neural Network",
}


def _notebook_text():
    """Markdown cells plus every Markdown and plain-text output: what a reader of notebook 15 sees."""
    notebook = json.loads(NOTEBOOK.read_text(encoding="utf-8"))
    parts = []
    for cell in notebook["cells"]:
        if cell["cell_type"] == "markdown":
            parts.append("".join(cell["source"]))
            continue
        for output in cell.get("outputs", []):
            if output["output_type"] == "stream":
                parts.append("".join(output["text"]))
            for kind in ("text/markdown", "text/plain"):
                if kind in output.get("data", {}) and not "".join(output["data"][kind]).startswith("<"):
                    parts.append("".join(output["data"][kind]))
    return "\n".join(parts)


# ---------------------------------------------------------------------- the table itself


def test_the_arxiv_table_holds_the_checked_identifier_title_pairs():
    assert ARXIV_TITLES == EXPECTED_ARXIV


def test_every_reference_link_is_well_formed_and_arxiv_links_match_their_identifier():
    for reference in READING_LIST:
        assert is_well_formed_url(reference.url), reference.url
        if reference.arxiv_id:
            assert reference.url == f"https://arxiv.org/abs/{reference.arxiv_id}"
        else:
            assert "arxiv.org" not in reference.url
        assert reference.lessons and all(1 <= n <= 15 for n in reference.lessons)


def test_the_list_has_the_references_the_curriculum_asks_for():
    keys = " ".join(reference.key for reference in READING_LIST)
    for name in (
        "CS231n",
        "Goodfellow",
        "§6.2.2.3",
        "Vaswani",
        "Bridle 1990",
        "Milakov",
        "Dao",
        "Guo",
        "Jang",
        "Martins",
        "Holtzman",
        "Hinton",
    ):
        assert name in keys, name
    cs231n = next(r for r in READING_LIST if "CS231n" in r.key)
    assert cs231n.url == "https://cs231n.github.io/linear-classify/#softmax-classifier"


def test_the_decks_wrong_identifier_is_not_in_the_reading_list():
    assert set(DECK_MISTAKES) == {"1511.06211"}
    assert not set(DECK_MISTAKES) & set(ARXIV_TITLES)
    assert "1511.06211" not in reading_list_markdown()


@pytest.mark.parametrize(
    "url, expected",
    [
        ("https://arxiv.org/abs/1706.03762", True),
        ("https://arxiv.org/abs/1706.03762v7", True),
        ("https://doi.org/10.1007/978-3-642-76153-9_28", True),
        ("12_softmax_regression.ipynb", True),
        ("https://arxiv.org/pdf/1706.03762", False),
        ("https://arxiv.org/abs/attention", False),
        ("arxiv.org/abs/1706.03762", False),
        ("https://exa mple.org", False),
        ("ftp://example.org/file", False),
        ("", False),
    ],
)
def test_is_well_formed_url(url, expected):
    assert is_well_formed_url(url) is expected


def test_arxiv_ids_in_finds_identifiers_and_drops_versions():
    assert arxiv_ids_in("arXiv:2205.14135v2, 1706.03762 and 10.1007/978") == ["2205.14135", "1706.03762"]
    assert arxiv_ids_in("version 1.9.1, 3.14159, 12345.6789") == []


def test_the_map_lists_the_fifteen_notebooks_named_in_contributing_and_the_dashboard():
    contributing = (ROOT / "CONTRIBUTING.md").read_text(encoding="utf-8")
    names = re.findall(r"`(\d\d_[a-z_]+)`", contributing)
    assert [lesson.filename for lesson in LESSONS] == [f"{name}.ipynb" for name in names]
    assert [lesson.number for lesson in LESSONS] == list(range(1, 16))
    assert DASHBOARD.filename == "dashboard.ipynb" and "make dashboard" in DASHBOARD.summary
    assert "dashboard:" in (ROOT / "Makefile").read_text(encoding="utf-8")
    table = notebook_map_markdown()
    for lesson in (*LESSONS, DASHBOARD):
        assert f"]({lesson.filename})" in table


# ---------------------------------------------------------------------- notebook 15


def test_notebook_links_are_well_formed():
    links = MARKDOWN_LINK.findall(_notebook_text())
    assert len(links) > 20
    bad = [url for _, url in links if not is_well_formed_url(url)]
    assert not bad, bad


def test_notebook_has_every_arxiv_identifier_once_next_to_its_title():
    text = _notebook_text()
    found = arxiv_ids_in(text)
    unexpected = sorted(set(found) - set(ARXIV_TITLES) - set(DECK_MISTAKES))
    assert not unexpected, f"arXiv identifiers not in the canonical table: {unexpected}"
    for identifier, title in ARXIV_TITLES.items():
        # Once = in one entry (one line): the entry shows the identifier and links to its page.
        lines = [line for line in text.splitlines() if identifier in line]
        assert len(lines) == 1, f"{identifier} appears on {len(lines)} lines"
        line = lines[0]
        assert title in line, f"{identifier} is not next to its title {title!r}: {line[:200]}"
        # The identifier's own link, not another paper's, follows the title.
        assert f"[{title}](https://arxiv.org/abs/{identifier})" in line


def test_notebook_corrects_the_decks_cs231n_link():
    text = _notebook_text()
    assert "https://cs231n.github.io/linear-classify/#softmax-classifier" in text
    for line in text.splitlines():
        if "1511.06211" in line:
            assert "CS231n" in line and "not an arXiv preprint" in line, line
            assert "](https://arxiv.org/abs/1511.06211)" not in line  # never offered as a link to follow


def test_notebook_maps_every_notebook_and_links_back_to_14_only():
    text = _notebook_text()
    for lesson in (*LESSONS, DASHBOARD):
        assert f"]({lesson.filename})" in text
    assert "make dashboard" in text
    notebook = json.loads(NOTEBOOK.read_text(encoding="utf-8"))
    own_markdown = "\n".join("".join(c["source"]) for c in notebook["cells"] if c["cell_type"] == "markdown")
    linked = sorted(set(re.findall(r"\]\((\d\d)_[a-z_]+\.ipynb\)", own_markdown)))
    assert linked == ["14"], linked


# ---------------------------------------------------------------------- the quiz


def _correct_text(number):
    question = next(q for q in QUESTIONS if q.number == number)
    return question.choices[question.answer]


def test_quiz_answers_agree_with_the_numbers():
    x = np.linspace(-5, 5, 11)
    assert _correct_text(1) == "sigmoid(x)"
    np.testing.assert_allclose(scipy_softmax(np.column_stack([x, np.zeros_like(x)]), axis=1)[:, 0], expit(x))
    logits = np.array([2.0, 1.0, 0.1])
    assert _correct_text(2).startswith("nothing")
    np.testing.assert_allclose(scipy_softmax(logits + 1000), scipy_softmax(logits))
    assert "arg-max" in _correct_text(3)
    np.testing.assert_allclose(scipy_softmax(logits / 1e-3), [1, 0, 0], atol=1e-12)
    assert _correct_text(4) == "p - y"
    assert "explores more" in _correct_text(6)
    assert scipy_softmax(logits / 5.0).max() < scipy_softmax(logits / 0.5).max()
    assert _correct_text(8).startswith("2:") and math.exp(math.log(2)) == pytest.approx(2)
    assert round(math.exp(0.693), 2) == 2.0 and round(math.exp(-0.693), 2) == 0.5  # choices b and a
    over_confident = np.array([[4.0, 1.0, 0.5], [0.2, 3.0, 2.5]])
    for temperature in (1.5, 3.0):  # any T > 1 softens the top probability and keeps the arg-max
        softened = scipy_softmax(over_confident / temperature, axis=1)
        assert (softened.argmax(1) == over_confident.argmax(1)).all()
        assert (softened.max(1) < scipy_softmax(over_confident, axis=1).max(1)).all()
    assert "T > 1" in _correct_text(9)
    from softmax_teach.regression import l2_from_C

    assert float(_correct_text(11)) == pytest.approx(l2_from_C(1.0, 100))
    assert "mask" in _correct_text(10) and "number of real words" in _correct_text(10)


def test_question_5_has_one_right_choice_and_log_probabilities_really_are_valid_input():
    # Logits and log_softmax(logits) give CrossEntropyLoss the same loss and the same gradients, so
    # the right choice names both; probabilities (a double softmax) do not.
    question = next(q for q in QUESTIONS if q.number == 5)
    assert "logits" in _correct_text(5) and "log_softmax" in _correct_text(5)
    assert not any(
        "log_softmax" in text or "log-prob" in text for key, text in question.choices.items() if key != question.answer
    )
    torch.manual_seed(0)
    inputs, target = torch.randn(16, 5), torch.randint(0, 3, (16,))
    losses, gradients = {}, {}
    for output in ("logits", "log_softmax", "softmax"):
        layer = torch.nn.Linear(5, 3).double()
        torch.manual_seed(1)
        layer.reset_parameters()
        z = layer(inputs.double())
        z = {"logits": z, "log_softmax": torch.log_softmax(z, dim=1), "softmax": torch.softmax(z, dim=1)}[output]
        loss = torch.nn.CrossEntropyLoss()(z, target)
        loss.backward()
        losses[output], gradients[output] = loss.item(), layer.weight.grad.clone()
    assert losses["log_softmax"] == pytest.approx(losses["logits"], rel=1e-12)
    torch.testing.assert_close(gradients["log_softmax"], gradients["logits"], rtol=1e-10, atol=1e-12)
    gap = (gradients["softmax"] - gradients["logits"]).norm() / gradients["logits"].norm()
    assert abs(losses["softmax"] - losses["logits"]) > 1e-3 and gap > 0.3  # a double softmax is not the same


def test_every_wrong_choice_is_explained_and_the_lessons_match_the_worked_solution():
    notebook = json.loads(NOTEBOOK.read_text(encoding="utf-8"))
    solution = next(
        "".join(c["source"])
        for c in notebook["cells"]
        if c["cell_type"] == "markdown" and "check_quiz(my_answers)" in "".join(c["source"])
    )
    for question in QUESTIONS:
        assert set(question.why_not) == set(question.choices) - {question.answer}
        line = re.search(rf"^{question.number}\. (.*(?:\n   .*)*)", solution, re.M).group(1)
        assert sorted(re.findall(r"\b(\d\d)\b", line)) == sorted(f"{n:02d}" for n in question.lessons), line
        for key, why in question.why_not.items():
            message = check_answer(question.number, key).message
            assert why in message and len(why) > 30, message
            assert "Revisit notebook" in message
    assert "Revisit notebook 14." in check_answer(8, "a").message
    with pytest.raises(ValueError, match="why_not"):
        type(QUESTIONS[0])(12, "?", {"a": "x", "b": "y"}, "a", "because", {}, (1,))


# Words that only a notebook teaching a reference's subject contains: the map must not send a
# learner to a notebook that never mentions it.
SUBJECT = {
    "Vaswani": "attention",
    "Milakov": "online",
    "Dao": "flashattention",
    "Guo": "calibrat",
    "Jang": "gumbel",
    "Martins": "sparsemax",
    "Holtzman": "top-p",
    "Hinton": "distill",
    "Sutton": "bandit",
}


@pytest.mark.parametrize("name", sorted(SUBJECT))
def test_the_map_sends_each_reference_only_to_notebooks_that_teach_its_subject(name):
    reference = next(r for r in READING_LIST if r.key.startswith(name))
    for lesson in reference.lessons:
        path = ROOT / "notebooks" / LESSONS[lesson - 1].filename
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        source = "\n".join("".join(c["source"]) for c in cells).lower()
        assert SUBJECT[name] in source, (
            f"{reference.key} is mapped to {path.name}, which never mentions {SUBJECT[name]!r}"
        )


def test_check_quiz_scores_names_the_unanswered_and_points_to_the_notebook():
    perfect = {q.number: q.answer.upper() + ")" for q in QUESTIONS}  # "B)" is accepted too
    assert check_quiz(perfect)
    verdict = check_quiz({1: "b", 2: "b", 4: "a"})
    assert not verdict
    assert verdict.message.startswith("1 of 11 right.")
    assert "Not answered yet: 3, 5, 6, 7, 8, 9, 10, 11." in verdict.message
    assert "Revisit notebooks 01 and 04" in verdict.message and "Revisit notebooks 02 and 07" in verdict.message
    assert "adding a constant leaves every difference" in verdict.message  # the why, not only where
    assert "letters" in check_answer(1, "e").message
    with pytest.raises(ValueError, match="no question 12"):
        check_quiz({12: "a"})
    with pytest.raises(ValueError, match="dict"):
        check_quiz(["b", "a"])


def test_quiz_markdown_shows_questions_but_not_answers():
    text = quiz_markdown()
    assert all(q.prompt in text for q in QUESTIONS)
    assert not any(q.explanation in text for q in QUESTIONS)
    assert not arxiv_ids_in(text)

"""The self-check quiz of notebook 15: multiple-choice questions on the whole course.

:func:`check_quiz` marks a dict of answers and explains every wrong one, pointing at the notebook
that teaches it; :func:`quiz_markdown` renders the questions. The right answers live here, not in
the notebook, so a learner can check without reading them.
"""

from __future__ import annotations

from dataclasses import dataclass

from softmax_teach.exercises.core import Feedback

__all__ = ["Question", "QUESTIONS", "quiz_markdown", "check_answer", "check_quiz"]


@dataclass(frozen=True)
class Question:
    """One multiple-choice question: its prompt, choices ``{"a": ...}``, answer and explanation."""

    number: int
    prompt: str
    choices: dict
    answer: str
    explanation: str
    lesson: int


QUESTIONS = (
    Question(
        1,
        "What is `softmax([x, 0])[0]` for a real number `x`?",
        {"a": "tanh(x)", "b": "sigmoid(x)", "c": "x / (1 + |x|)", "d": "exp(x)"},
        "b",
        "exp(x) / (exp(x) + exp(0)) = 1 / (1 + exp(-x)), the logistic sigmoid: two-class softmax is the sigmoid.",
        6,
    ),
    Question(
        2,
        "You add 1000 to every logit. What happens to the softmax probabilities?",
        {"a": "nothing: softmax is shift-invariant", "b": "they all move towards uniform",
         "c": "the largest one grows", "d": "they overflow to nan"},
        "a",
        "exp(x + c) = exp(c) exp(x) and exp(c) cancels in the ratio; only a naive implementation without "
        "max-subtraction overflows (the probabilities themselves do not change).",
        1,
    ),
    Question(
        3,
        "What does softmax with temperature T tend to as T → 0?",
        {"a": "the uniform distribution", "b": "the one-hot arg-max (ties share the mass)",
         "c": "the logits themselves", "d": "zero everywhere"},
        "b",
        "Dividing by a tiny T magnifies the gaps between logits, so all the mass goes to the largest; "
        "T → ∞ gives the uniform distribution instead.",
        10,
    ),
    Question(
        4,
        "What is the gradient of the cross-entropy loss with respect to the logits, for softmax probabilities p and one-hot label y?",
        {"a": "y - p", "b": "p(1 - p)", "c": "p - y", "d": "-log p"},
        "c",
        "p - y: the log in the loss cancels the exp in softmax. Gradient descent subtracts it, raising the true class's logit.",
        7,
    ),
    Question(
        5,
        "What should a PyTorch classifier's `forward` return when you train it with `nn.CrossEntropyLoss`?",
        {"a": "softmax probabilities", "b": "log-probabilities from log_softmax",
         "c": "logits (raw scores)", "d": "the arg-max class"},
        "c",
        "CrossEntropyLoss applies log_softmax itself; feeding it probabilities applies softmax twice and trains slowly and badly.",
        5,
    ),
    Question(
        6,
        "In a softmax (Boltzmann) bandit policy, what does raising the temperature do?",
        {"a": "explores more: the action choice gets closer to uniform", "b": "exploits more: it becomes greedy",
         "c": "nothing once the Q-values are known", "d": "makes the rewards larger"},
        "a",
        "A higher T flattens softmax(Q / T); too high wastes pulls on bad arms, too low gets stuck on an early favourite.",
        11,
    ),
    Question(
        7,
        "Why does scaled dot-product attention divide the scores by √d?",
        {"a": "to make the weights sum to 1", "b": "to keep the score variance near 1 so softmax does not saturate",
         "c": "to save memory", "d": "to make attention causal"},
        "b",
        "Dot products of d-dimensional random vectors have variance about d; without the scaling, softmax becomes "
        "nearly one-hot and its gradients vanish.",
        13,
    ),
    Question(
        8,
        "Which paper introduced nucleus (top-p) sampling?",
        {"a": "Vaswani et al. 2017, Attention Is All You Need",
         "b": "Holtzman et al. 2019, The Curious Case of Neural Text Degeneration",
         "c": "Hinton et al. 2015, Distilling the Knowledge in a Neural Network",
         "d": "Guo et al. 2017, On Calibration of Modern Neural Networks"},
        "b",
        "Holtzman et al. sample from the smallest set of tokens whose probability reaches p; the others are "
        "the Transformer, distillation at high temperature, and temperature scaling for calibration.",
        15,
    ),
)


def quiz_markdown():
    """The questions as Markdown, choices labelled a-d (no answers)."""
    blocks = []
    for question in QUESTIONS:
        choices = "\n".join(f"   - **{key}**: {text}" for key, text in question.choices.items())
        blocks.append(f"{question.number}. {question.prompt}\n{choices}")
    return "\n".join(blocks)


def _question(number):
    for question in QUESTIONS:
        if question.number == number:
            return question
    raise ValueError(f"there is no question {number!r}: the questions are 1 to {len(QUESTIONS)}")


def _normalise(answer):
    return answer.strip().lower().rstrip(")") if isinstance(answer, str) else answer


def check_answer(number, answer):
    """Mark one answer (a letter ``"a"``-``"d"``) and explain it.

    Examples
    --------
    >>> bool(check_answer(1, "b"))
    True
    """
    question = _question(number)
    choice = _normalise(answer)
    if choice not in question.choices:
        return Feedback(False, f"Question {number}: answer with one of the letters {', '.join(question.choices)}, got {answer!r}.")
    if choice == question.answer:
        return Feedback(True, f"Question {number}: {question.explanation}")
    return Feedback(
        False,
        f"Question {number}: '{question.choices[choice]}' is not it. Revisit notebook {question.lesson:02d}.",
    )


def check_quiz(answers):
    """Mark a whole quiz: ``answers`` maps question numbers to letters.

    Returns
    -------
    Feedback
        Passed when every question is answered correctly; the message gives the score, names the
        unanswered questions and, for each wrong answer, the notebook to revisit.

    Examples
    --------
    >>> check_quiz({1: "b", 2: "a"}).message.startswith("2 of 8 right")
    True
    """
    if not isinstance(answers, dict):
        raise ValueError(f"answers must be a dict like {{1: 'b', 2: 'a'}}, got {type(answers).__name__}")
    unknown = sorted(set(answers) - {q.number for q in QUESTIONS}, key=str)
    if unknown:
        raise ValueError(f"there is no question {unknown[0]!r}: the questions are 1 to {len(QUESTIONS)}")
    right, notes, missing = 0, [], []
    for question in QUESTIONS:
        if answers.get(question.number) in (None, "", "?"):
            missing.append(str(question.number))
            continue
        verdict = check_answer(question.number, answers[question.number])
        right += verdict.passed
        if not verdict.passed:
            notes.append(verdict.message)
    message = f"{right} of {len(QUESTIONS)} right."
    if missing:
        message += f" Not answered yet: {', '.join(missing)}."
    if notes:
        message += " " + " ".join(notes)
    return Feedback(right == len(QUESTIONS), message)

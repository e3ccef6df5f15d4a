"""The self-check quiz of notebook 15: multiple-choice questions on the whole course.

:func:`check_quiz` marks a dict of answers and explains every wrong one in a line, pointing at the
notebooks that teach it; :func:`quiz_markdown` renders the questions. The right answers live here, not in
the notebook, so a learner can check without reading them.
"""

from __future__ import annotations

from dataclasses import dataclass

from softmax_teach.exercises.core import Feedback

__all__ = ["Question", "QUESTIONS", "quiz_markdown", "check_answer", "check_quiz"]


@dataclass(frozen=True)
class Question:
    """One multiple-choice question.

    ``choices`` maps letters to texts, ``answer`` is the right letter and ``explanation`` says why
    it is right; ``why_not`` gives, for every other letter, one line on why that choice is wrong;
    ``lessons`` are the notebooks that teach it.
    """

    number: int
    prompt: str
    choices: dict
    answer: str
    explanation: str
    why_not: dict
    lessons: tuple

    def __post_init__(self):
        wrong = set(self.choices) - {self.answer}
        if self.answer not in self.choices or set(self.why_not) != wrong:
            raise ValueError(f"question {self.number}: why_not must explain exactly the wrong choices {sorted(wrong)}")


QUESTIONS = (
    Question(
        1,
        "What is `softmax([x, 0])[0]` for a real number `x`?",
        {"a": "tanh(x)", "b": "sigmoid(x)", "c": "x / (1 + |x|)", "d": "exp(x)"},
        "b",
        "exp(x) / (exp(x) + exp(0)) = 1 / (1 + exp(-x)), the logistic sigmoid: two-class softmax is the sigmoid.",
        {
            "a": "tanh(x) lies in (-1, 1), so it cannot be a probability; it is 2 sigmoid(2x) - 1, a rescaled sigmoid.",
            "c": "x / (1 + |x|) (the softsign) has the right S shape but no exponential; softmax divides "
            "exp(x) by exp(x) + exp(0).",
            "d": "exp(x) is the numerator alone: without dividing by exp(x) + exp(0) it exceeds 1 for every x > 0.",
        },
        (6,),
    ),
    Question(
        2,
        "You add 1000 to every logit. What happens to the softmax probabilities?",
        {
            "a": "nothing: softmax is shift-invariant",
            "b": "they all move towards uniform",
            "c": "the largest one grows",
            "d": "they overflow to nan",
        },
        "a",
        "exp(x + c) = exp(c) exp(x) and exp(c) cancels in the ratio; only a naive implementation without "
        "max-subtraction overflows (the probabilities themselves do not change).",
        {
            "b": "adding a constant leaves every difference between the logits unchanged; dividing them by a large "
            "temperature, not shifting them, flattens the distribution.",
            "c": "the gaps between the logits stay the same, so no probability moves; multiplying the logits "
            "(a temperature below 1) is what sharpens them.",
            "d": "the probabilities are unchanged; only a naive exp without max-subtraction overflows "
            "(notebook 04), and a stable softmax subtracts the max first.",
        },
        (1, 4),
    ),
    Question(
        3,
        "What does softmax with temperature T tend to as T → 0?",
        {
            "a": "the uniform distribution",
            "b": "the one-hot arg-max (ties share the mass)",
            "c": "the logits themselves",
            "d": "zero everywhere",
        },
        "b",
        "Dividing by a tiny T magnifies the gaps between logits, so all the mass goes to the largest; "
        "T → ∞ gives the uniform distribution instead.",
        {
            "a": "that is the other limit, T → ∞: dividing by a huge T shrinks every gap between the logits to 0.",
            "c": "softmax always returns probabilities that sum to 1, never the logits, whatever T is.",
            "d": "the probabilities always sum to 1, so they cannot all tend to 0; the largest logit's tends to 1.",
        },
        (10,),
    ),
    Question(
        4,
        "What is the gradient of the cross-entropy loss with respect to the logits, for softmax probabilities "
        "p and one-hot label y?",
        {"a": "y - p", "b": "p(1 - p)", "c": "p - y", "d": "-log p"},
        "c",
        "p - y: the log in the loss cancels the exp in softmax. Gradient descent subtracts it, raising the "
        "true class's logit.",
        {
            "a": "the sign is flipped: y - p is minus the gradient, the direction gradient descent moves the "
            "logits in.",
            "b": "p(1 - p) is the diagonal of the softmax Jacobian, d p_i / d z_i, not the gradient of the loss.",
            "d": "-log p of the true class is the loss itself, not its derivative.",
        },
        (2, 7),
    ),
    Question(
        5,
        "What may a PyTorch classifier's `forward` return when you train it with `nn.CrossEntropyLoss`?",
        {
            "a": "softmax probabilities",
            "b": "the arg-max class index",
            "c": "logits, or log-probabilities from log_softmax: both give the same loss and gradients",
            "d": "a sigmoid of each logit",
        },
        "c",
        "CrossEntropyLoss applies log_softmax itself. Logits are the usual choice, and log-probabilities work "
        "as well: log_softmax(z) = z - logsumexp(z) differs from z by one constant per row, and softmax is "
        "shift-invariant, so log_softmax(log_softmax(z)) = log_softmax(z): log p are valid logits.",
        {
            "a": "the loss applies its own softmax, so probabilities get a second one: the loss can never fall "
            "below log(1 + (C - 1)/e) and the model trains slowly and badly (notebook 05).",
            "b": "a class index is not one score per class, and the arg-max has no gradient, so nothing could learn.",
            "d": "independent sigmoids are for multi-label problems (notebook 06); the loss would apply its softmax "
            "to numbers squashed into (0, 1), a double squashing like the double softmax.",
        },
        (5, 7),
    ),
    Question(
        6,
        "In a softmax (Boltzmann) bandit policy, what does raising the temperature do?",
        {
            "a": "explores more: the action choice gets closer to uniform",
            "b": "exploits more: it becomes greedy",
            "c": "nothing once the Q-values are known",
            "d": "makes the rewards larger",
        },
        "a",
        "A higher T flattens softmax(Q / T); too high wastes pulls on bad arms, too low gets stuck on an early "
        "favourite.",
        {
            "b": "that is lowering the temperature: as T → 0, softmax(Q / T) puts all the mass on the best estimate.",
            "c": "T divides the Q-values inside the softmax, so it changes the policy whatever the Q-values are.",
            "d": "the temperature shapes which arm is pulled, not what the arms pay; it changes rewards only "
            "through the arms it chooses.",
        },
        (11,),
    ),
    Question(
        7,
        "Why does scaled dot-product attention divide the scores by √d?",
        {
            "a": "to make the weights sum to 1",
            "b": "to keep the score variance near 1 so softmax does not saturate",
            "c": "to save memory",
            "d": "to make attention causal",
        },
        "b",
        "Dot products of d-dimensional random vectors have variance about d; without the scaling, softmax becomes "
        "nearly one-hot and its gradients vanish.",
        {
            "a": "the softmax makes the weights sum to 1 whatever the scale of the scores; √d changes how "
            "peaked they are.",
            "c": "dividing by a number saves no memory; not storing the n-by-n weights (tiling, FlashAttention) does.",
            "d": "causality comes from a mask, -inf above the diagonal, not from scaling the scores.",
        },
        (13,),
    ),
    Question(
        8,
        "Which paper introduced nucleus (top-p) sampling?",
        {
            "a": "Vaswani et al. 2017, Attention Is All You Need",
            "b": "Holtzman et al. 2019, The Curious Case of Neural Text Degeneration",
            "c": "Hinton et al. 2015, Distilling the Knowledge in a Neural Network",
            "d": "Guo et al. 2017, On Calibration of Modern Neural Networks",
        },
        "b",
        "Holtzman et al. sample from the smallest set of tokens whose probability reaches p; the others are "
        "the Transformer, distillation at high temperature, and temperature scaling for calibration.",
        {
            "a": "Vaswani et al. introduced the Transformer and scaled dot-product attention, not a sampling method.",
            "c": "Hinton et al. train a small model on a large one's softmax at a high temperature (distillation).",
            "d": "Guo et al. fit one temperature on held-out data to calibrate a classifier's probabilities.",
        },
        (10, 14),
    ),
)


def _notebooks(lessons):
    names = [f"{n:02d}" for n in lessons]
    return f"notebook {names[0]}" if len(names) == 1 else f"notebooks {', '.join(names[:-1])} and {names[-1]}"


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
        return Feedback(
            False, f"Question {number}: answer with one of the letters {', '.join(question.choices)}, got {answer!r}."
        )
    if choice == question.answer:
        return Feedback(True, f"Question {number}: {question.explanation}")
    return Feedback(
        False,
        f"Question {number}: '{question.choices[choice]}' is not it: {question.why_not[choice]} "
        f"Revisit {_notebooks(question.lessons)}.",
    )


def check_quiz(answers):
    """Mark a whole quiz: ``answers`` maps question numbers to letters.

    Returns
    -------
    Feedback
        Passed when every question is answered correctly; the message gives the score, names the
        unanswered questions and, for each wrong answer, why it is wrong and the notebooks to revisit.

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

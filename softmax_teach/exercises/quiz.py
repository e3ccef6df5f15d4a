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
        "A character model's mean held-out loss is 0.693 nats per character (that is log 2). What is its perplexity?",
        {
            "a": "0.5",
            "b": "2: it is as unsure as a choice between 2 equally likely characters",
            "c": "0.693: perplexity is the mean loss",
            "d": "it depends on the size of the vocabulary",
        },
        "b",
        "perplexity is exp(mean loss) = exp(log 2) = 2: the model is, on average, as surprised as if it chose "
        "uniformly among 2 characters, whatever the vocabulary.",
        {
            "a": "0.5 = exp(-0.693) is the geometric mean of the probabilities given to the right characters; "
            "perplexity is its inverse, exp(+mean loss), and is never below 1.",
            "c": "0.693 nats is the mean loss itself; perplexity is its exponential, exp(0.693) = 2.",
            "d": "the vocabulary bounds a uniform guess's perplexity (V), but the perplexity of this model is "
            "exp(mean loss) alone: 2.",
        },
        (14,),
    ),
    Question(
        9,
        "An image classifier's top probability averages 0.95 on held-out images, but it is right on only 80% of "
        "them. Temperature scaling fits one T on held-out data by minimising the NLL. What does it do?",
        {
            "a": "picks T > 1, which softens every probability and changes no predicted class",
            "b": "picks T < 1, which sharpens the probabilities",
            "c": "changes the predicted class of the over-confident images",
            "d": "raises the accuracy to 95%",
        },
        "a",
        "the model is over-confident, so the NLL is lowest at some T > 1; dividing every logit by the same "
        "positive T keeps their order, so the arg-max, and the accuracy, stay the same.",
        {
            "b": "T < 1 makes the probabilities more extreme; an over-confident model needs them softened (T > 1).",
            "c": "dividing all the logits by one positive T keeps their order: the arg-max cannot change.",
            "d": "the accuracy cannot change (the arg-max does not); calibration moves the confidence towards "
            "the accuracy, not the accuracy towards the confidence.",
        },
        (8, 10),
    ),
    Question(
        10,
        "Sentences of different lengths are padded to the longest one in the batch. How should a model average "
        "the word embeddings of each sentence?",
        {
            "a": "sum the embeddings of the real words only (a mask) and divide by the number of real words",
            "b": "take the mean over all positions, padding included",
            "c": "sum the embeddings of the real words only and divide by the padded length",
            "d": "keep only the last position's embedding",
        },
        "a",
        "a mask zeroes the padding before the sum, and the count of real words is the divisor: the same "
        "sentence then gets the same average whatever else is in the batch.",
        {
            "b": "the padding positions drag the mean towards the padding vector, and a sentence's average then "
            "depends on how long the longest sentence of its batch is.",
            "c": "dividing by the padded length shrinks a short sentence's average by (real words) / (padded "
            "length), so the same sentence gets a different vector in another batch: divide by the real count.",
            "d": "in a padded batch the last position of a short sentence is padding; and one position is not "
            "an average of the sentence.",
        },
        (9,),
    ),
    Question(
        11,
        "scikit-learn's LogisticRegression(C=1.0) is trained on n = 100 samples. Which l2 gives the same model in "
        "SoftmaxRegression, which minimises the mean cross-entropy plus (l2 / 2) ||W||^2?",
        {"a": "0.01", "b": "1.0", "c": "100", "d": "0.5"},
        "a",
        "scikit-learn minimises C * (sum of the losses) + ||W||^2 / 2; dividing by C n gives the mean loss "
        "+ ||W||^2 / (2 C n), so l2 = 1 / (C n) = 0.01.",
        {
            "b": "1 / C forgets that scikit-learn sums the loss over the n samples while SoftmaxRegression "
            "averages it: divide by n too.",
            "c": "C n is upside down: C is an inverse strength, so l2 = 1 / (C n).",
            "d": "both objectives write the penalty as half the squared norm, so no factor 2 appears; and the n "
            "samples are missing.",
        },
        (12,),
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
    >>> check_quiz({1: "b", 2: "a"}).message.startswith("2 of 11 right")
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

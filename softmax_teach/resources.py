"""The reading list and the map of the course, as data.

Notebook 15 renders both from here (:func:`reading_list_markdown`, :func:`notebook_map_markdown`),
and ``tests/test_resources.py`` checks the notebook's text against the same table: every link is
well formed, and every arXiv identifier appears exactly once, next to the title it belongs to.
Keeping one canonical table means a wrong identifier/title pairing (the deck's "CS231n" link
points at arXiv 1511.06211, which is not the CS231n notes) can only be fixed, or made, once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlparse

__all__ = [
    "Reference",
    "Lesson",
    "READING_LIST",
    "ARXIV_TITLES",
    "DECK_MISTAKES",
    "LESSONS",
    "DASHBOARD",
    "reading_list_markdown",
    "notebook_map_markdown",
    "is_well_formed_url",
    "arxiv_ids_in",
]

#: An arXiv identifier of the modern form (YYMM.NNNNN, with an optional version).
ARXIV_ID_PATTERN = re.compile(r"(?<![\d.])(\d{4}\.\d{4,5})(?:v\d+)?(?![\d])")


@dataclass(frozen=True)
class Reference:
    """One entry of the reading list.

    Attributes
    ----------
    key : str
        Short citation, e.g. ``"Vaswani et al. 2017"``.
    title : str
        The exact title of the work.
    venue : str
        Where it appeared.
    url : str
        A stable link (``https://arxiv.org/abs/<id>`` for arXiv papers, a DOI or the official page
        otherwise).
    note : str
        Why a learner of this course should read it.
    lessons : tuple of int
        The notebooks it backs up.
    arxiv_id : str or None
        The arXiv identifier, when there is one.
    """

    key: str
    title: str
    venue: str
    url: str
    note: str
    lessons: tuple = ()
    arxiv_id: str | None = None


READING_LIST = (
    Reference(
        key="CS231n course notes",
        title="Linear classification: Support Vector Machine, Softmax",
        venue="Stanford CS231n: Deep Learning for Computer Vision, course notes",
        url="https://cs231n.github.io/linear-classify/#softmax-classifier",
        note=(
            "The clearest short introduction to the softmax classifier: the cross-entropy loss, "
            "its probabilistic reading, the max-subtraction trick for numerical stability, and "
            "how softmax differs from the SVM loss."
        ),
        lessons=(3, 4, 7, 12),
    ),
    Reference(
        key="Goodfellow, Bengio & Courville 2016, §6.2.2.3",
        title="Deep Learning, section 6.2.2.3: Softmax Units for Multinoulli Output Distributions",
        venue="MIT Press, 2016 (free online)",
        url="https://www.deeplearningbook.org/contents/mlp.html",
        note=(
            "Why softmax outputs pair with the log-likelihood loss (the log undoes the exp, so "
            "the gradient does not vanish when the model is confidently wrong), saturation, and "
            "why the over-parameterised softmax is harmless. The deck's slide 15 cites it."
        ),
        lessons=(5, 6, 7),
    ),
    Reference(
        key="Bridle 1990",
        title=(
            "Probabilistic Interpretation of Feedforward Classification Network Outputs, with "
            "Relationships to Statistical Pattern Recognition"
        ),
        venue="Neurocomputing (NATO ASI Series F, vol. 68), Springer, 1990, pp. 227-236",
        url="https://doi.org/10.1007/978-3-642-76153-9_28",
        note=(
            "Where the name comes from: Bridle proposes the normalised exponential, which he "
            "calls softmax, as the multi-class generalisation of the logistic function, together "
            "with a probability score (cross-entropy) instead of squared error. His NIPS 2 paper "
            "of the same year ('Training Stochastic Model Recognition Algorithms as Networks can "
            "Lead to Maximum Mutual Information Estimation of Parameters') uses it too."
        ),
        lessons=(1, 6, 7),
    ),
    Reference(
        key="Vaswani et al. 2017",
        title="Attention Is All You Need",
        venue="NIPS 2017",
        url="https://arxiv.org/abs/1706.03762",
        note=(
            "The Transformer: scaled dot-product attention, softmax(QK^T / sqrt(d)) V, and why "
            "the 1/sqrt(d) keeps the softmax out of saturation. Notebook 13 rebuilds it."
        ),
        lessons=(13,),
        arxiv_id="1706.03762",
    ),
    Reference(
        key="Milakov & Gimelshein 2018",
        title="Online normalizer calculation for softmax",
        venue="arXiv preprint (NVIDIA), 2018",
        url="https://arxiv.org/abs/1805.02867",
        note=(
            "The one-pass softmax: a running max and a running sum rescaled whenever the max "
            "grows, so the input is read once to normalise. Notebook 04 implements it "
            "(softmax_teach.online_softmax)."
        ),
        lessons=(4,),
        arxiv_id="1805.02867",
    ),
    Reference(
        key="Dao et al. 2022",
        title="FlashAttention: Fast and Memory-Efficient Exact Attention with IO-Awareness",
        venue="NeurIPS 2022",
        url="https://arxiv.org/abs/2205.14135",
        note=(
            "The online softmax applied to attention tiles, so the n-by-n attention matrix is "
            "never stored; exact, not an approximation. Notebook 13 shows the tiled softmax "
            "equals the full one."
        ),
        lessons=(4, 13),
        arxiv_id="2205.14135",
    ),
    Reference(
        key="Guo et al. 2017",
        title="On Calibration of Modern Neural Networks",
        venue="ICML 2017",
        url="https://arxiv.org/abs/1706.04599",
        note=(
            "Softmax probabilities of deep networks are over-confident; one temperature fitted "
            "on held-out data (temperature scaling) fixes most of it. Reliability diagrams and "
            "the expected calibration error, as in notebook 08."
        ),
        lessons=(8, 10),
        arxiv_id="1706.04599",
    ),
    Reference(
        key="Jang et al. 2016",
        title="Categorical Reparameterization with Gumbel-Softmax",
        venue="ICLR 2017",
        url="https://arxiv.org/abs/1611.01144",
        note=(
            "A softmax with temperature over Gumbel-perturbed logits gives differentiable "
            "approximate samples of a categorical variable; as the temperature goes to 0 they "
            "become one-hot. The temperature of notebook 10, used for learning; notebook 15 "
            "draws such samples (softmax_teach.relatives.gumbel_softmax)."
        ),
        lessons=(15,),
        arxiv_id="1611.01144",
    ),
    Reference(
        key="Martins & Astudillo 2016",
        title="From Softmax to Sparsemax: A Sparse Model of Attention and Multi-Label Classification",
        venue="ICML 2016",
        url="https://arxiv.org/abs/1602.02068",
        note=(
            "Sparsemax: the Euclidean projection onto the probability simplex, which, unlike "
            "softmax, can give exactly zero probability; its Jacobian and loss, compared with "
            "softmax's. Notebook 15 computes it and sets it beside softmax "
            "(softmax_teach.relatives.sparsemax)."
        ),
        lessons=(15,),
        arxiv_id="1602.02068",
    ),
    Reference(
        key="Holtzman et al. 2019",
        title="The Curious Case of Neural Text Degeneration",
        venue="ICLR 2020",
        url="https://arxiv.org/abs/1904.09751",
        note=(
            "Why greedy and beam search produce bland, repetitive text and pure sampling produces "
            "nonsense; introduces nucleus (top-p) sampling. Notebooks 10 and 14 sample this way."
        ),
        lessons=(10, 14),
        arxiv_id="1904.09751",
    ),
    Reference(
        key="Hinton et al. 2015",
        title="Distilling the Knowledge in a Neural Network",
        venue="NIPS 2014 Deep Learning Workshop",
        url="https://arxiv.org/abs/1503.02531",
        note=(
            "Knowledge distillation: a small model learns from a large one's softmax at a high "
            "temperature, whose 'dark knowledge' (the relative probabilities of wrong classes) "
            "a one-hot label throws away."
        ),
        lessons=(10,),
        arxiv_id="1503.02531",
    ),
    Reference(
        key="Jurafsky & Martin, logistic regression",
        title="Speech and Language Processing (3rd edition draft), the chapter on logistic regression",
        venue="online draft, Stanford University",
        url="https://web.stanford.edu/~jurafsky/slp3/",
        note=(
            "Softmax regression for text, derived step by step: the softmax, the cross-entropy loss "
            "and its gradient (p - y) times the input, the same algebra notebook 02 does with sympy, "
            "and the sentiment features of notebook 09."
        ),
        lessons=(2, 9, 12),
    ),
    Reference(
        key="Iyyer et al. 2015",
        title="Deep Unordered Composition Rivals Syntactic Methods for Text Classification",
        venue="ACL-IJCNLP 2015",
        url="https://aclanthology.org/P15-1162/",
        note=(
            "The deep averaging network: the mean of the word embeddings of a sentence, then "
            "nonlinear layers and a softmax. It ignores word order and rivals models that read it, "
            "because the nonlinearity matters more; notebook 09's model is its linear cousin."
        ),
        lessons=(9,),
    ),
    Reference(
        key="Bengio et al. 2003",
        title="A Neural Probabilistic Language Model",
        venue="Journal of Machine Learning Research 3, 2003, pp. 1137-1155",
        url="https://www.jmlr.org/papers/v3/bengio03a.html",
        note=(
            "The first neural language model: word embeddings, a hidden layer and a softmax over the "
            "whole vocabulary for the next word. Why a network generalises where n-gram counts run "
            "out, and the cost of that output softmax, both as in notebook 14."
        ),
        lessons=(14,),
    ),
    Reference(
        key="Sutton & Barto 2018, chapter 2",
        title="Reinforcement Learning: An Introduction (2nd edition), chapter 2: Multi-armed Bandits",
        venue="MIT Press, 2018 (free online)",
        url="http://incompleteideas.net/book/the-book-2nd.html",
        note=(
            "The 10-armed testbed, epsilon-greedy action selection and the gradient bandit "
            "algorithm (a softmax policy learned with REINFORCE), exactly as in notebook 11."
        ),
        lessons=(11,),
    ),
)

#: The canonical arXiv identifier -> title table (the test checks the notebook against it).
ARXIV_TITLES = {ref.arxiv_id: ref.title for ref in READING_LIST if ref.arxiv_id}

#: Identifiers the deck gets wrong, with what is wrong; they may appear only to be corrected.
DECK_MISTAKES = {
    "1511.06211": (
        'slide 15 labels https://arxiv.org/abs/1511.06211 as "Softmax Classification" by '
        "Stanford CS231n, but that arXiv identifier belongs to an unrelated paper; CS231n's "
        "softmax notes are a course web page, not an arXiv preprint"
    ),
}


@dataclass(frozen=True)
class Lesson:
    """One notebook of the course: its number, file name, topic and what it does."""

    number: int
    filename: str
    topic: str
    summary: str


LESSONS = (
    Lesson(
        1,
        "01_introduction.ipynb",
        "Introduction",
        "scores to probabilities on [2.0, 1.0, 0.1]; what softmax keeps and what it changes",
    ),
    Lesson(
        2,
        "02_mathematical_foundation.ipynb",
        "Mathematical foundation",
        "the sympy derivation: the Jacobian s_i(δ_ij − s_j), shift invariance, the gradient s − y",
    ),
    Lesson(
        3,
        "03_implementation.ipynb",
        "Implementation",
        "loops, vectorised and batched softmax; the axis pitfall; agreement with scipy and torch",
    ),
    Lesson(
        4,
        "04_numerical_stability.ipynb",
        "Numerical stability",
        "overflow and underflow, the log-sum-exp trick, errors against mpmath, online softmax",
    ),
    Lesson(
        5,
        "05_neural_networks.ipynb",
        "Softmax in neural networks",
        "logits versus probabilities, and the double-softmax training pitfall",
    ),
    Lesson(
        6,
        "06_softmax_vs_sigmoid.ipynb",
        "Softmax vs sigmoid",
        "softmax([x, 0]) = sigmoid(x); multi-class versus multi-label",
    ),
    Lesson(
        7, "07_cross_entropy.ipynb", "Cross-entropy", "the loss from log_softmax, label smoothing, the gradient p − y"
    ),
    Lesson(
        8,
        "08_image_classification.ipynb",
        "Image classification",
        "top-5 probabilities for digit images, calibration and temperature scaling",
    ),
    Lesson(9, "09_nlp.ipynb", "Softmax in NLP", "a sentiment classifier with masked mean pooling"),
    Lesson(
        10, "10_temperature.ipynb", "Temperature", "from arg-max to uniform; sampling with temperature, top-k and top-p"
    ),
    Lesson(
        11,
        "11_reinforcement_learning.ipynb",
        "Reinforcement learning",
        "softmax exploration on a bandit, against ε-greedy; the softmax policy gradient",
    ),
    Lesson(
        12,
        "12_softmax_regression.ipynb",
        "Softmax regression",
        "multinomial logistic regression from scratch, checked against scikit-learn",
    ),
    Lesson(
        13,
        "13_attention.ipynb",
        "Attention",
        "scaled dot-product attention, why 1/√d, causal masks, several heads, positions, tiled softmax",
    ),
    Lesson(
        14,
        "14_generative_models.ipynb",
        "Generative models",
        "character language models (a GRU and a small transformer) against n-gram counts; sampling, "
        "temperature and perplexity",
    ),
    Lesson(
        15,
        "15_resources.ipynb",
        "Resources",
        "this reading list, the course map, two relatives of softmax (sparsemax and "
        "the Gumbel-softmax) and a self-check quiz",
    ),
)

#: The interactive Softmax Explorer (served by Voila).
DASHBOARD = Lesson(
    0,
    "dashboard.ipynb",
    "Softmax Explorer (dashboard)",
    "temperature and logits, sampling, cross-entropy and attention tabs; run `make dashboard` "
    "and open http://127.0.0.1:8866 (Voila serves notebooks/dashboard.ipynb)",
)


def reading_list_markdown():
    """The reading list as a numbered Markdown list: linked title, authors, venue, annotation.

    Each arXiv paper's line holds its identifier right after its title, so a reader (and the
    test) can see which title an identifier belongs to.
    """
    lines = []
    for number, ref in enumerate(READING_LIST, start=1):
        identifier = f" (arXiv:{ref.arxiv_id})" if ref.arxiv_id else ""
        lessons = ", ".join(f"{n:02d}" for n in ref.lessons)
        lines.append(
            f"{number}. **{ref.key}**: [{ref.title}]({ref.url}){identifier}. *{ref.venue}.* "
            f"{ref.note} *Notebooks: {lessons}.*"
        )
    return "\n".join(lines)


def notebook_map_markdown():
    """A Markdown table of the fifteen notebooks and the dashboard, with relative links."""
    rows = ["| # | notebook | what you do there |", "|---|---|---|"]
    for lesson in LESSONS:
        rows.append(f"| {lesson.number:02d} | [{lesson.topic}]({lesson.filename}) | {lesson.summary} |")
    rows.append(f"| – | [{DASHBOARD.topic}]({DASHBOARD.filename}) | {DASHBOARD.summary} |")
    return "\n".join(rows)


def is_well_formed_url(url):
    """True for an absolute http(s) URL with a host and no spaces, a relative ``.ipynb`` link, or a
    relative link to a module of the package (``../softmax_teach/exercises/quiz.py``).

    arXiv links must be the abstract page of a modern identifier: ``https://arxiv.org/abs/YYMM.NNNNN``.

    Examples
    --------
    >>> is_well_formed_url("https://arxiv.org/abs/1706.03762")
    True
    >>> is_well_formed_url("https://arxiv.org/abs/attention")
    False
    """
    if not isinstance(url, str) or not url or any(c.isspace() for c in url):
        return False
    if re.fullmatch(r"[0-9a-z_]+\.ipynb", url) or re.fullmatch(r"\.\./softmax_teach/(\w+/)*\w+\.py", url):
        return True
    parsed = urlparse(url)
    if parsed.scheme not in ("http", "https") or not parsed.netloc or "." not in parsed.netloc:
        return False
    if parsed.netloc.endswith("arxiv.org"):
        return re.fullmatch(r"/abs/\d{4}\.\d{4,5}(v\d+)?", parsed.path) is not None
    return True


def arxiv_ids_in(text):
    """Every arXiv identifier (YYMM.NNNNN) in ``text``, in order, versions stripped.

    Examples
    --------
    >>> arxiv_ids_in("see arXiv:1706.03762v5 and https://arxiv.org/abs/1805.02867")
    ['1706.03762', '1805.02867']
    """
    return ARXIV_ID_PATTERN.findall(text)

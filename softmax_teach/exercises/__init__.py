"""Checks for the *On your own* exercises: one module per topic, named in each notebook.

========================================  ====================================================
notebook                                  module
========================================  ====================================================
01 introduction, 03 implementation        ``basics`` (and ``temperature`` for 01's exercise 2)
02 mathematical foundation                ``calculus``
04 numerical stability                    ``stability``
05 neural networks, 08 images, 09 NLP     ``networks``
06 softmax vs sigmoid, 07 cross-entropy   ``losses``
10 temperature                            ``temperature``
11 reinforcement learning                 ``bandits``
12 softmax regression                     ``regression``
13 attention                              ``attention``
14 generative models                      ``generation``
15 resources                              ``quiz`` and ``relatives``
========================================  ====================================================

Every check returns a :class:`Feedback` that prints as a sentence saying what is right or what
is wrong (never only ``False``), and is truthy when the answer is right. What they share (the
Feedback, array and value comparisons, running a learner's function on test cases) is in
:mod:`softmax_teach.exercises.core`.
"""

from softmax_teach.exercises.core import Feedback, as_number, check_array, check_value, within_decimals

__all__ = ["Feedback", "as_number", "check_array", "check_value", "within_decimals"]

"""Checks for the *On your own* exercises: one module per notebook topic.

Every check returns a :class:`Feedback` that prints as a sentence saying what is right or what
is wrong (never only ``False``), and is truthy when the answer is right.
"""

from softmax_teach.exercises.core import Feedback, as_number, check_array, check_value, within_decimals

__all__ = ["Feedback", "as_number", "check_array", "check_value", "within_decimals"]

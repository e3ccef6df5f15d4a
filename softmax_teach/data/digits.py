"""scikit-learn's 8×8 handwritten digits, split reproducibly into train, validation and test.

The 1,797 images ship inside scikit-learn (``sklearn.datasets.load_digits``): nothing is
downloaded. The split is stratified (every digit in the same proportion in each part) and fixed
by ``seed``. The validation part is for choices made after training, such as the temperature of
temperature scaling; the test part is looked at once, for the final numbers.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["DigitsSplit", "load_digits_split"]

# Pixel values in load_digits are counts of 0..16 (4×4 blocks of a 32×32 bitmap).
PIXEL_MAX = 16.0


@dataclass(frozen=True)
class DigitsSplit:
    """Images (float32 in [0, 1], shape ``(n, 8, 8)``) and int64 labels of the three parts.

    ``mean`` and ``std`` are the training images' pixel statistics used by :meth:`preprocess`.
    """

    train_images: np.ndarray
    train_labels: np.ndarray
    validation_images: np.ndarray
    validation_labels: np.ndarray
    test_images: np.ndarray
    test_labels: np.ndarray
    mean: float
    std: float

    def preprocess(self, images):
        """Slide 8's ``preprocess`` for digits: standardise with the training statistics.

        Parameters
        ----------
        images : array_like, shape (n, 8, 8) or (8, 8)
            Images scaled to [0, 1], as stored in this split.

        Returns
        -------
        torch.Tensor, shape (n, 1, 8, 8), float32
            A batch ready for :class:`softmax_teach.models.DigitsCNN` (one image becomes a batch
            of one, like the slide's ``unsqueeze(0)``).
        """
        import torch

        array = np.asarray(images, dtype=np.float32)
        if array.shape == (8, 8):
            array = array[None]
        if array.ndim != 3 or array.shape[1:] != (8, 8):
            raise ValueError(f"images must have shape (n, 8, 8) or (8, 8), got {array.shape}")
        standardised = (array - np.float32(self.mean)) / np.float32(self.std)
        return torch.from_numpy(np.ascontiguousarray(standardised[:, None]))

    def tensors(self, part: str):
        """``(preprocessed images, labels)`` of ``part`` ("train", "validation" or "test") as tensors."""
        import torch

        if part not in ("train", "validation", "test"):
            raise ValueError(f"part must be 'train', 'validation' or 'test', got {part!r}")
        images = getattr(self, f"{part}_images")
        labels = getattr(self, f"{part}_labels")
        return self.preprocess(images), torch.from_numpy(labels)


def load_digits_split(*, validation_size: float = 0.15, test_size: float = 0.2, seed: int = 0) -> DigitsSplit:
    """Load the digits and split them, stratified by label, reproducibly.

    Parameters
    ----------
    validation_size, test_size : float
        Fractions of all 1,797 images for the validation and test parts (each in (0, 1), and
        together below 1).
    seed : int
        Fixes the split.

    Returns
    -------
    DigitsSplit

    Examples
    --------
    >>> split = load_digits_split()
    >>> split.train_images.shape, split.validation_images.shape, split.test_images.shape
    ((1167, 8, 8), (270, 8, 8), (360, 8, 8))
    """
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    for name, value in (("validation_size", validation_size), ("test_size", test_size)):
        if not (isinstance(value, float) and 0.0 < value < 1.0):
            raise ValueError(f"{name} must be a float in (0, 1), got {value!r}")
    if validation_size + test_size >= 1.0:
        raise ValueError(f"validation_size + test_size must be below 1, got {validation_size + test_size!r}")

    digits = load_digits()
    images = (digits.images / PIXEL_MAX).astype(np.float32)
    labels = digits.target.astype(np.int64)
    rest_images, test_images, rest_labels, test_labels = train_test_split(
        images, labels, test_size=test_size, stratify=labels, random_state=seed
    )
    # The validation fraction is of the whole set, so rescale it to the remainder.
    train_images, validation_images, train_labels, validation_labels = train_test_split(
        rest_images,
        rest_labels,
        test_size=validation_size / (1.0 - test_size),
        stratify=rest_labels,
        random_state=seed,
    )
    return DigitsSplit(
        train_images=train_images,
        train_labels=train_labels,
        validation_images=validation_images,
        validation_labels=validation_labels,
        test_images=test_images,
        test_labels=test_labels,
        mean=float(train_images.mean()),
        std=float(train_images.std()),
    )

"""Data that ships: scikit-learn's digits and iris, and small corpora written for this project.

Nothing here downloads. Loaders live in submodules: ``data.digits``, ``data.sentiment``,
``data.text``.
"""

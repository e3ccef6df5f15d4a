"""Where the served files are: the dashboard notebook and the Voila template, read as package data.

Both ship inside the package (``softmax_teach/serve/``), so every kind of install finds them with
:mod:`importlib.resources`: a venv, ``pip install --user`` and ``pip install --target`` alike
(``tests/test_wheel.py`` installs the wheel all three ways and serves a page from each).

The dashboard notebook has one source, ``notebooks/dashboard.ipynb``: JupyterLab and Binder open
it there (``voila/render/notebooks/dashboard.ipynb``) and the notebook tests run it there.
``softmax_teach/serve/dashboard.ipynb`` is a symbolic link to it, which setuptools follows when it
builds the wheel, so the installed package carries a copy of exactly that file. A checkout whose
git does not make symbolic links (Windows without them) has a small text file there instead;
:func:`dashboard_notebook` therefore prefers the checkout's ``notebooks/`` when there is one.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

NOTEBOOK_NAME = "dashboard.ipynb"
TEMPLATE_NAME = "softmax-explorer"
# A checkout: softmax_teach/serve/resources.py -> the repository's notebooks/.
_CHECKOUT_NOTEBOOK = Path(__file__).resolve().parents[2] / "notebooks" / NOTEBOOK_NAME


def _on_disk(resource):
    """``resource`` as a filesystem path (Voila and Jupyter read paths, not package resources)."""
    if not isinstance(resource, Path):
        raise RuntimeError(
            f"{resource} is not a file on disk (softmax-teach installed as a zip?): "
            "install the package with pip into a folder to serve the dashboard"
        )
    return resource


def dashboard_notebook():
    """The dashboard notebook: the checkout's ``notebooks/dashboard.ipynb``, else the package's copy.

    Returns
    -------
    pathlib.Path
        It may not exist only in a broken install; ``softmax-teach dashboard`` then says so.
    """
    if _CHECKOUT_NOTEBOOK.is_file():
        return _CHECKOUT_NOTEBOOK
    return _on_disk(resources.files(__package__).joinpath(NOTEBOOK_NAME))


def jupyter_path():
    """A Jupyter data directory holding the template (``voila/templates/softmax-explorer``).

    Put it on ``JUPYTER_PATH`` (:func:`softmax_teach.cli.dashboard_environment` does) and Voila
    finds the template by its name.
    """
    return _on_disk(resources.files(__package__).joinpath("jupyter"))


def template_directory():
    """The template's own folder (what ``python -m softmax_teach.serve.extension install`` copies)."""
    return jupyter_path() / "voila" / "templates" / TEMPLATE_NAME

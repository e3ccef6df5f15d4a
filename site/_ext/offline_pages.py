"""A Sphinx extension for the course website: pages load nothing they do not use.

Jupyter Book 1 always loads sphinx-thebe, which adds to every page a script holding the URL of
thebe on a CDN and a loader for it, even with ``launch_buttons.thebe: false`` (and twice: the page
then throws "Identifier 'THEBE_JS_URL' has already been declared"). The site has no thebe, so
both scripts and thebe's style sheet are left out of every page.
"""

from __future__ import annotations


def _is_thebe(asset) -> bool:
    filename = str(getattr(asset, "filename", asset) or "")
    body = str(getattr(asset, "attributes", {}).get("body", ""))
    return "sphinx-thebe" in filename or "THEBE_JS_URL" in body


def drop_thebe(app, pagename, templatename, context, doctree):
    for key in ("script_files", "css_files"):
        if key in context:
            context[key] = [asset for asset in context[key] if not _is_thebe(asset)]


def setup(app):
    app.connect("html-page-context", drop_thebe)
    return {"parallel_read_safe": True, "parallel_write_safe": True}

"""The dashboard's page handler: who may start a kernel, and what a visitor sees when none can start.

It wraps Voila's page handler (``voila.tornado.handler.TornadoVoilaHandler``) with four rules,
checked before any kernel is started or taken from the pool (issue 12, findings 2 and 3):

- a cross-site request (``Sec-Fetch-Site: cross-site``, or an ``Origin`` that is not this server)
  never gets a kernel: another page open in the teacher's browser could otherwise start one per
  request. A top-level navigation from a link on another site (a course page) gets a tiny page
  that reloads itself, a same-origin request, so links still work;
- the page sets Tornado's ``_xsrf`` cookie: Voila's front end posts its value to
  ``/voila/api/shutdown/<kernel>`` when the tab closes, and without the cookie that request is
  refused (``403 '_xsrf' argument missing``, Voila issue #1458) and the kernel lives on. The
  shutdown request still needs the cookie's value, so CSRF protection is kept;
- beyond the kernel cap (:mod:`softmax_teach.serve.kernels`) a visitor gets a short
  "the class is full" page (HTTP 503, ``Retry-After``), never a new kernel;
- a kernel that cannot start, or a notebook that fails, gives a page that says so and asks to
  reload, not a page with only the title.
"""

from __future__ import annotations

import html
from urllib.parse import urlsplit

import tornado.web
from voila.tornado.handler import TornadoVoilaHandler

RETRY_AFTER_SECONDS = 60

_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
{head}<title>Softmax Explorer</title>
<style>body{{font:20px/1.5 system-ui,sans-serif;max-width:38em;margin:4em auto;padding:0 1em;color:#222}}</style>
</head><body>
{body}
</body></html>
"""

# Written into the page when the notebook failed after the page had started streaming.
FAILED_NOTICE = (
    '<div class="explorer-failed" role="alert" style="font-size:20px;margin:2em 1em">'
    "<strong>The Softmax Explorer could not start on the server.</strong> "
    "Reload this page in a minute; if it keeps failing, tell your teacher.</div>"
)


def class_full_page(max_kernels):
    """The short page a visitor beyond the kernel cap gets (it retries by itself after a minute)."""
    return _PAGE.format(
        head=f'<meta http-equiv="refresh" content="{RETRY_AFTER_SECONDS}">',
        body=(
            f"<h1>The class is full</h1><p>{max_kernels} people are using the Softmax Explorer on this "
            "machine right now, the most it serves at once.</p><p>Retry in a minute: this page reloads "
            "itself, or reload it yourself. Closing an unused Explorer tab frees a place.</p>"
        ),
    )


def kernel_failed_page():
    """The page shown when no kernel could be started or taken from the pool."""
    return _PAGE.format(
        head=f'<meta http-equiv="refresh" content="{RETRY_AFTER_SECONDS}">',
        body=(
            "<h1>The Softmax Explorer could not start</h1><p>The server could not start Python for "
            "this page (it may be busy starting others).</p><p>Reload this page in a minute; it also "
            "reloads itself. If it keeps failing, tell your teacher.</p>"
        ),
    )


def cross_site_page():
    """The answer to a cross-site request that is not a top-level navigation: no kernel."""
    return _PAGE.format(
        head="",
        body=(
            "<h1>Not started</h1><p>This request came from another web site, so the Softmax Explorer "
            "did not start a Python kernel for it. Open the Explorer's address directly.</p>"
        ),
    )


def bounce_page(uri):
    """Answer to a link followed from another site: reload as a same-origin request (which may start a kernel)."""
    link = html.escape(uri, quote=True)
    return _PAGE.format(
        head="",
        body=(
            f'<p>Opening the Softmax Explorer… <a href="{link}">continue</a></p>'
            "<script>location.replace(location.href)</script>"
        ),
    )


def cross_site_reason(headers, host):
    """Why a request must not start a kernel (``"cross-site"``, ``"foreign origin"``), or None.

    Parameters
    ----------
    headers : mapping
        The request headers (case-insensitive mapping, as Tornado's).
    host : str
        The request's ``Host`` header (``127.0.0.1:8866``).

    Notes
    -----
    Clients without ``Sec-Fetch-*`` headers (scripts, older browsers) are allowed: the check only
    keeps *browsers* from starting kernels on behalf of another site.
    """
    if headers.get("Sec-Fetch-Site", "").strip().lower() == "cross-site":
        return "cross-site"
    origin = headers.get("Origin")
    if origin is not None:
        if origin.strip().lower() == "null" or urlsplit(origin.strip()).netloc.lower() != (host or "").lower():
            return "foreign origin"
    return None


def is_top_level_navigation(headers):
    """A browser navigating its window (a followed link), not a fetch, an iframe or an image."""
    return (
        headers.get("Sec-Fetch-Mode", "").lower() == "navigate"
        and headers.get("Sec-Fetch-Dest", "").lower() == "document"
        and "Origin" not in headers
    )


class ClassroomVoilaHandler(TornadoVoilaHandler):
    """Voila's page handler with the cross-site, shutdown-cookie, cap and failure rules above."""

    def _send(self, status, page, retry_after=False):
        self.set_status(status)
        self.set_header("Content-Type", "text/html; charset=utf-8")
        self.set_header("Cache-Control", "no-store")
        if retry_after:
            self.set_header("Retry-After", str(RETRY_AFTER_SECONDS))
        self.finish(page)

    def _uses_pool(self, notebook_path):
        manager = self.kernel_manager
        try:
            data = manager.notebook_data.get(notebook_path, {})
            pool_size = manager.ready_pool_size(notebook_path)
        except AttributeError:  # a manager without a pool
            return False
        return self.should_use_rendered_notebook(
            data,
            pool_size,
            self.get_argument("template", None),
            self.get_argument("theme", None),
            self.request.arguments,
        )

    @tornado.web.authenticated
    async def get(self, path=None):
        if self.notebook_path and path:
            return await super().get(path=path)  # Voila redirects to the file: no kernel involved
        reason = cross_site_reason(self.request.headers, self.request.host)
        if reason is not None:
            self.log.warning("No kernel for a %s request from %s", reason, self.request.remote_ip)
            if reason == "cross-site" and is_top_level_navigation(self.request.headers):
                return self._send(200, bounce_page(self.request.uri))
            return self._send(403, cross_site_page())
        self.xsrf_token  # noqa: B018 - the property sets the _xsrf cookie the tab's shutdown request needs
        manager = self.kernel_manager
        notebook_path = self.notebook_path or path
        reserved = False
        if hasattr(manager, "reserve") and not self._uses_pool(notebook_path):
            if not manager.reserve():
                self.log.warning(
                    "The class is full (%d kernels): refused %s", manager.max_kernels, self.request.remote_ip
                )
                return self._send(503, class_full_page(manager.max_kernels), retry_after=True)
            reserved = True
        written = False
        try:
            async for snippet in self.get_generator(path=path):
                self.write(snippet)
                self.flush()
                written = True
        except Exception:  # noqa: BLE001 - whatever failed, the visitor gets a page that says so
            self.log.exception("The dashboard page failed for %s", self.request.remote_ip)
            if getattr(manager, "preheated", False) and notebook_path:
                manager.fill_if_needed(notebook_name=notebook_path)  # Voila does not refill after a failed pool kernel
            if not written:
                return self._send(503, kernel_failed_page(), retry_after=True)
            self.write(FAILED_NOTICE + "</body></html>")
            self.finish()
        finally:
            if reserved:
                manager.release()

"""Voila as the classroom serves it: ``python -m softmax_teach.serve.voila_app NOTEBOOK [Voila options]``.

It is Voila 0.5.13 with the dashboard's serving fixes put in (``softmax-teach dashboard`` builds
the command line, :func:`softmax_teach.cli.voila_command`):

- the kernel websocket refuses clients without the v1 subprotocol, the cause of the server-wide
  freeze, and closes the websocket of a client whose v1 frames are malformed (:mod:`.websocket`);
- the page handler keeps cross-site requests from starting kernels, sets the ``_xsrf`` cookie so
  a closed tab frees its kernel, and answers "the class is full" beyond the cap (:mod:`.pages`);
- the kernel manager caps live kernels and keeps the preheated pool under the cap (:mod:`.kernels`,
  through Voila's configurable kernel manager base class);
- the token comes from the ``SOFTMAX_TEACH_TOKEN`` environment variable, not from the command
  line (which every local user can read with ``ps``), and is removed from the environment the
  kernels inherit.

Everything else (culling, timeouts, the pool size) is ordinary Voila / jupyter_server
configuration on the command line.
"""

from __future__ import annotations

import os

from traitlets import Integer, default
from voila.app import Voila
from voila.tornado.handler import TornadoVoilaHandler
from voila.tornado.kernel_websocket_handler import VoilaKernelWebsocketHandler

from softmax_teach.cli import DEFAULT_MAX_KERNELS, TOKEN_VARIABLE
from softmax_teach.serve.kernels import capped_manager_base, check_pool_fits
from softmax_teach.serve.pages import ClassroomVoilaHandler
from softmax_teach.serve.websocket import BoundedV1Connection, ClassroomKernelWebsocketHandler

# Voila's handler classes and the ones that replace them.
_REPLACEMENTS = {
    VoilaKernelWebsocketHandler: ClassroomKernelWebsocketHandler,
    TornadoVoilaHandler: ClassroomVoilaHandler,
}


class ClassroomVoila(Voila):
    """Voila with the classroom's handlers and kernel cap (see the module docstring)."""

    name = "voila"  # Voila keeps itself in the tornado settings under its name
    max_kernels = Integer(
        DEFAULT_MAX_KERNELS,
        config=True,
        help="The most kernels alive at once, the preheated pool included; "
        "visitors beyond it get a 'the class is full' page.",
    )

    @default("kernel_websocket_connection_class")
    def _bounded_connection(self):
        return BoundedV1Connection

    @default("token")
    def _token_from_environment(self):
        # Read once, then dropped so that no kernel (a child of this process) inherits it.
        return os.environ.pop(TOKEN_VARIABLE, None) or None

    def init_settings(self):
        self.token  # noqa: B018 - read (and drop) the token before the pool's kernels copy the environment
        configuration = self.voila_configuration
        if configuration.preheat_kernel:
            check_pool_fits(configuration.default_pool_size, self.max_kernels)
        # Voila builds its kernel manager class inside init_settings by subclassing this
        # configurable base; the capped base makes that subclass honour the cap.
        configuration.multi_kernel_manager_class = capped_manager_base(
            configuration.multi_kernel_manager_class, self.max_kernels
        )
        return super().init_settings()

    def init_handlers(self):
        handlers = []
        for spec in super().init_handlers():
            pattern, handler, *rest = spec
            handlers.append((pattern, _REPLACEMENTS.get(handler, handler), *rest))
        return handlers


main = ClassroomVoila.launch_instance

if __name__ == "__main__":
    main()

"""The dashboard through Voila's Jupyter server extension: the ``/voila/render/<path>`` that Binder and JupyterHub use.

There the app is not our Voila process but a ``jupyter server`` (or JupyterLab) with Voila's
extension; it needs the same Voila settings (our template, code hidden, no tracebacks) and the
template on a Jupyter data path. This module is the single place those settings live:

- :data:`EXTENSION_CONFIG`, the server configuration;
- :func:`jupyter_server_command`, how the tests start such a server on 127.0.0.1;
- ``python -m softmax_teach.serve.extension install PREFIX``, what ``binder/postBuild`` runs:
  it copies the template to ``PREFIX/share/jupyter/voila/templates/`` and writes the configuration
  to ``PREFIX/etc/jupyter/jupyter_server_config.d/``, where Jupyter finds both without
  ``JUPYTER_PATH``.

The page is ``/voila/render/notebooks/dashboard.ipynb`` below the server's root (the repository).
jupyter_server's own kernel websocket handler is used there, so the outgoing-side freeze of
standalone Voila does not arise; its connection class is set to
:class:`softmax_teach.serve.websocket.BoundedV1Connection`, so a forged incoming v1 frame cannot
freeze this server either. Idle kernels are culled as configured.
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

from softmax_teach.cli import DASHBOARD_TEMPLATE, DEFAULT_CULL_AFTER, DEFAULT_IOPUB_TIMEOUT
from softmax_teach.serve import resources

RENDER_PATH = "voila/render/notebooks/dashboard.ipynb"
CONFIG_NAME = "softmax-explorer.json"

EXTENSION_CONFIG = {
    "ServerApp": {
        "jpserver_extensions": {"voila.server_extension": True},
        "kernel_websocket_connection_class": "softmax_teach.serve.websocket.BoundedV1Connection",
    },
    "VoilaConfiguration": {
        "template": DASHBOARD_TEMPLATE,
        "strip_sources": True,
        "show_tracebacks": False,
    },
    "VoilaExecutor": {"iopub_timeout": DEFAULT_IOPUB_TIMEOUT, "startup_timeout": 120},
    # Kernels of pages that are gone (no connection) go after five idle minutes.
    "MappingKernelManager": {"cull_idle_timeout": int(DEFAULT_CULL_AFTER), "cull_interval": 60},
}


def _flags(config):
    flags = []
    for section, settings in config.items():
        for name, value in settings.items():
            # Dicts (enabling the extension) have no command-line form; Voila's own installed
            # configuration already enables its extension.
            if not isinstance(value, dict):
                flags.append(f"--{section}.{name}={value}")
    return flags


def jupyter_server_command(root_dir, *, port, host="127.0.0.1", token, python=None):
    """A ``jupyter server`` that serves the dashboard at ``/voila/render/notebooks/dashboard.ipynb``.

    Parameters
    ----------
    root_dir : path-like
        The server's root: the repository (it holds ``notebooks/dashboard.ipynb``).
    port : int
    host : str
    token : str
        jupyter_server's token (required: this server can also run code in notebooks).
    python : str, optional
        Interpreter (default: this one).

    Returns
    -------
    list of str
        Run it with :func:`softmax_teach.cli.dashboard_environment` so the template is found.
    """
    if not token:
        raise ValueError("a jupyter server needs a token: it runs arbitrary code for whoever holds it")
    return [
        python or sys.executable,
        "-m",
        "jupyter_server",
        "--no-browser",
        f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0",
        f"--ServerApp.ip={host}",
        f"--ServerApp.root_dir={Path(root_dir)}",
        f"--IdentityProvider.token={token}",
        *_flags(EXTENSION_CONFIG),
    ]


def install(prefix):
    """Copy the template and write the server configuration under ``prefix`` (an environment's ``sys.prefix``)."""
    prefix = Path(prefix)
    source = resources.template_directory()
    target = prefix / "share" / "jupyter" / "voila" / "templates" / DASHBOARD_TEMPLATE
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(source, target)
    config_dir = prefix / "etc" / "jupyter" / "jupyter_server_config.d"
    config_dir.mkdir(parents=True, exist_ok=True)
    (config_dir / CONFIG_NAME).write_text(json.dumps(EXTENSION_CONFIG, indent=2) + "\n", encoding="utf-8")
    return target, config_dir / CONFIG_NAME


def main(argv=None):
    """``python -m softmax_teach.serve.extension install [PREFIX]`` (default: this environment)."""
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0] != "install" or len(argv) > 2:
        print("usage: python -m softmax_teach.serve.extension install [PREFIX]", file=sys.stderr)
        return 2
    template, config = install(argv[1] if len(argv) == 2 else sys.prefix)
    print(f"template: {template}\nconfiguration: {config}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

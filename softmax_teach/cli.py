"""The ``softmax-teach`` command: ``softmax-teach dashboard`` serves the Softmax Explorer with Voila.

``make dashboard`` runs exactly this command; the server tests start Voila with the same
:func:`voila_command`, so what is tested is what a teacher runs.
"""

from __future__ import annotations

import argparse
import ipaddress
import os
import subprocess
import sys
from pathlib import Path

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8866
THEMES = ("light", "dark")
THEME_VARIABLE = "SOFTMAX_TEACH_THEME"  # read by softmax_teach.dashboard.views.default_theme
DASHBOARD_NOTEBOOK = Path(__file__).resolve().parents[1] / "notebooks" / "dashboard.ipynb"
# A Jupyter data directory holding the dashboard's Voila template (voila/templates/<name>);
# dashboard_environment puts it on JUPYTER_PATH so that Voila finds the template.
DASHBOARD_JUPYTER_PATH = Path(__file__).resolve().parent / "dashboard" / "jupyter"
DASHBOARD_TEMPLATE = "softmax-explorer"


def voila_command(notebook=DASHBOARD_NOTEBOOK, *, host=DEFAULT_HOST, port=DEFAULT_PORT, theme="light", preheat=True,
                  python=None):
    """The Voila command line that serves the dashboard.

    Parameters
    ----------
    notebook : path-like
        The notebook to serve.
    host : str
        Address to bind. ``127.0.0.1`` (default) keeps the app on this machine; Voila has no
        token, so any other address lets everyone who can reach it use the app.
    port : int
        1 to 65535.
    theme : {"light", "dark"}
        JupyterLab theme of the page (the figures follow it through ``SOFTMAX_TEACH_THEME``,
        see :func:`dashboard_environment`).
    preheat : bool
        Keep one kernel that has already run the notebook, so the first page is interactive
        at once.
    python : str, optional
        Interpreter to run Voila with (default: this one, so the venv's Voila is used).

    Returns
    -------
    list of str
    """
    if theme not in THEMES:
        raise ValueError(f"theme must be one of {THEMES}, got {theme!r}")
    if isinstance(port, bool) or not isinstance(port, int) or not 1 <= port <= 65535:
        raise ValueError(f"port must be an integer from 1 to 65535, got {port!r}")
    if not isinstance(host, str) or not host:
        raise ValueError(f"host must be a non-empty string, got {host!r}")
    command = [
        python or sys.executable, "-m", "voila", str(notebook),
        "--no-browser",
        f"--port={port}",
        f"--Voila.ip={host}",  # Voila has no --ip alias
        "--strip_sources=True",
        f"--theme={theme}",
        "--show_tracebacks=False",
        # Paints the first figure from the HTML before the widget JavaScript has loaded (needs
        # DASHBOARD_JUPYTER_PATH on JUPYTER_PATH: run it with dashboard_environment()).
        f"--template={DASHBOARD_TEMPLATE}",
    ]
    if preheat:
        command += ["--preheat_kernel=True", "--pool_size=1"]
    return command


def dashboard_environment(theme="light", base=None):
    """The environment for Voila: the dashboard's template on JUPYTER_PATH, the figure theme for the kernels."""
    environment = dict(os.environ if base is None else base)
    environment["JUPYTER_PATH"] = os.pathsep.join(
        [str(DASHBOARD_JUPYTER_PATH)] + [p for p in environment.get("JUPYTER_PATH", "").split(os.pathsep) if p])
    environment[THEME_VARIABLE] = theme
    # Matplotlib must never try a GUI backend inside a server kernel.
    environment["MPLBACKEND"] = "Agg"
    return environment


def dashboard_url(host, port):
    """The address to open (IPv6 literals in brackets)."""
    try:
        if ipaddress.ip_address(host).version == 6:
            host = f"[{host}]"
    except ValueError:
        pass  # a host name such as "localhost"
    return f"http://{host}:{port}/"


def is_loopback(host):
    """True when ``host`` is only reachable from this machine."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _parser():
    parser = argparse.ArgumentParser(prog="softmax-teach", description="Tools of the softmax teaching kit.")
    commands = parser.add_subparsers(dest="command", required=True)
    dashboard = commands.add_parser("dashboard", help="serve the Softmax Explorer with Voila",
                                    description="Serve notebooks/dashboard.ipynb with Voila.")
    dashboard.add_argument("--host", default=DEFAULT_HOST,
                           help="address to bind (default 127.0.0.1; Voila has NO token: any other "
                                "address exposes the app to the whole network)")
    dashboard.add_argument("--port", type=int, default=DEFAULT_PORT, help="port (default 8866)")
    dashboard.add_argument("--theme", choices=THEMES, default="light", help="page and figure theme")
    dashboard.add_argument("--notebook", type=Path, default=DASHBOARD_NOTEBOOK, help=argparse.SUPPRESS)
    dashboard.add_argument("--no-preheat", action="store_true", help="do not keep a pre-executed kernel ready")
    dashboard.add_argument("--print-command", action="store_true", help="print the Voila command and exit")
    return parser


def main(argv=None):
    """Entry point of the ``softmax-teach`` console script."""
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        command = voila_command(args.notebook, host=args.host, port=args.port, theme=args.theme,
                                preheat=not args.no_preheat)
    except ValueError as error:
        parser.error(str(error))
    if args.print_command:
        print(" ".join(command))
        return 0
    if not Path(args.notebook).is_file():
        parser.error(f"notebook not found: {args.notebook} (run from a checkout of softmax-teach)")
    print(f"Softmax Explorer: {dashboard_url(args.host, args.port)}  (Ctrl-C to stop)", flush=True)
    if not is_loopback(args.host):
        print(f"WARNING: binding {args.host}: Voila has no token, so anyone who can reach this "
              "address can use the app. Use it only on a trusted classroom network.", file=sys.stderr, flush=True)
    environment = dashboard_environment(args.theme)
    if os.name == "posix":
        # Replace this process: Ctrl-C then reaches Voila itself, which shuts its kernels down.
        os.execve(command[0], command, environment)
    return subprocess.call(command, env=environment)


if __name__ == "__main__":
    sys.exit(main())

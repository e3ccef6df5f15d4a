"""The ``softmax-teach`` command.

- ``softmax-teach dashboard`` serves the Softmax Explorer to a class with Voila. ``make dashboard``
  runs exactly this command; the server tests start Voila with the same :func:`voila_command`, so
  what is tested is what a teacher runs. Beyond this machine (``--host 0.0.0.0``) it turns a
  token on and prints the address students type.
- ``softmax-teach export-explorer DIR`` writes the static Explorer (``index.html`` and every file
  it needs) into the folder ``DIR``, for any static web host: no server, no kernel, no internet.

This module stays light (no Voila, no widgets): the command line must answer at once.
"""

from __future__ import annotations

import argparse
import ipaddress
import os
import re
import secrets
import socket
import subprocess
import sys
from pathlib import Path

from softmax_teach import _validation as check
from softmax_teach.serve import resources

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8866
THEMES = ("light", "dark")

# The checkout's notebooks/dashboard.ipynb, else the installed package's copy (package data,
# wherever pip put it: softmax_teach.serve.resources).
DASHBOARD_NOTEBOOK = resources.dashboard_notebook()
# A Jupyter data directory holding the dashboard's Voila template (voila/templates/<name>);
# dashboard_environment puts it on JUPYTER_PATH so that Voila finds the template.
DASHBOARD_JUPYTER_PATH = resources.jupyter_path()
DASHBOARD_TEMPLATE = resources.TEMPLATE_NAME
DEFAULT_MAX_KERNELS = 20
DEFAULT_CULL_AFTER = 300.0
DEFAULT_IOPUB_TIMEOUT = 60  # seconds (an integer trait of nbclient)
TOKEN_VARIABLE = "SOFTMAX_TEACH_TOKEN"  # read by softmax_teach.serve.voila_app
# Tokens students type: no 0/o, 1/l/i look-alikes. 10 characters = 49 bits.
TOKEN_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
_TOKEN = re.compile(r"[A-Za-z0-9_-]{6,128}")


def class_cap(class_size):
    """The kernel cap for a class of ``class_size``: the class plus a few places for reloads and latecomers."""
    return class_size + max(2, -(-class_size // 10))


def voila_command(
    notebook=DASHBOARD_NOTEBOOK,
    *,
    host=DEFAULT_HOST,
    port=DEFAULT_PORT,
    theme="light",
    preheat=True,
    python=None,
    class_size=None,
    max_kernels=None,
    cull_after=DEFAULT_CULL_AFTER,
    iopub_timeout=DEFAULT_IOPUB_TIMEOUT,
):
    """The command line that serves the dashboard: Voila with the classroom fixes.

    It runs :mod:`softmax_teach.serve.voila_app` (Voila 0.5.13 with a kernel websocket that
    cannot freeze the server, kernels freed when their tab closes, a kernel cap and no kernels
    for cross-site requests); every option here is an ordinary Voila or jupyter_server setting.

    Parameters
    ----------
    notebook : path-like
        The notebook to serve.
    host : str
        Address to bind. ``127.0.0.1`` (default) keeps the app on this machine. Any other address
        lets every machine that can reach it use the app: :func:`main` then turns a token on.
    port : int
        1 to 65535.
    theme : {"light", "dark"}
        JupyterLab theme of the page; the Explorer's figures follow its colours in the browser.
    preheat : bool
        Keep kernels that have already run the notebook, so a page is interactive at once.
    python : str, optional
        Interpreter to run Voila with (default: this one, so the venv's Voila is used).
    class_size : int, optional
        Preheat this many kernels (one per student arriving at once); default 1.
    max_kernels : int, optional
        The most kernels alive at once, the preheated ones included (about 75 MB each); a visitor
        beyond it gets "the class is full, retry in a minute". Default: :func:`class_cap` of
        ``class_size``, or 20 without one.
    cull_after : float
        Shut a kernel down once it has been idle this many seconds with no page connected
        (a tab closed without saying so); 0 never culls. Default 300.
    iopub_timeout : float
        Seconds Voila's notebook runner waits for a cell's output (Voila's default, 4 s, leaves
        blank pages when a class arrives at once).

    Returns
    -------
    list of str
    """
    if theme not in THEMES:
        raise ValueError(f"theme must be one of {THEMES}, got {theme!r}")
    port = check.integer_in(port, "port", 1, 65535)
    if not isinstance(host, str) or not host:
        raise ValueError(f"host must be a non-empty string, got {host!r}")
    for name, value in (("class_size", class_size), ("max_kernels", max_kernels)):
        check.optional(check.positive_int, value, name)
    for name, value in (("cull_after", cull_after), ("iopub_timeout", iopub_timeout)):
        check.real(value, name, minimum=0.0)  # seconds
    pool = (class_size or 1) if preheat else 0
    if max_kernels is None:
        max_kernels = class_cap(class_size) if class_size else DEFAULT_MAX_KERNELS
    if pool > max_kernels:
        raise ValueError(
            f"class_size {class_size} does not fit under max_kernels {max_kernels}: raise max_kernels or leave it out"
        )
    command = [
        python or sys.executable,
        "-m",
        "softmax_teach.serve.voila_app",
        str(notebook),
        "--no-browser",
        f"--port={port}",
        "--Voila.port_retries=0",  # a busy port is an error, not a silent move to another one
        f"--Voila.ip={host}",  # Voila has no --ip alias
        "--strip_sources=True",
        f"--theme={theme}",
        "--show_tracebacks=False",
        # Paints the first figure from the HTML before the widget JavaScript has loaded (needs
        # DASHBOARD_JUPYTER_PATH on JUPYTER_PATH: run it with dashboard_environment()).
        f"--template={DASHBOARD_TEMPLATE}",
        f"--ClassroomVoila.max_kernels={max_kernels}",
        f"--VoilaExecutor.iopub_timeout={max(1, int(round(iopub_timeout)))}",
        "--VoilaExecutor.startup_timeout=120",  # a kernel starting among 30 others on 2 cores
    ]
    if cull_after:
        # Only kernels without a connected page are culled (cull_connected stays False).
        command += [
            f"--MappingKernelManager.cull_idle_timeout={int(round(cull_after))}",
            f"--MappingKernelManager.cull_interval={max(1, min(60, int(cull_after // 3)))}",
        ]
    if preheat:
        command += ["--preheat_kernel=True", f"--pool_size={pool}"]
    return command


def dashboard_environment(base=None, token=None):
    """The environment for Voila: the dashboard's template on JUPYTER_PATH, and the token.

    A ``token`` goes to the server through ``SOFTMAX_TEACH_TOKEN`` rather than the command line,
    which any local user can read; the server removes it before starting kernels.
    """
    environment = dict(os.environ if base is None else base)
    environment.pop(TOKEN_VARIABLE, None)
    if token:
        environment[TOKEN_VARIABLE] = check_token(token)
    environment["JUPYTER_PATH"] = os.pathsep.join(
        [str(DASHBOARD_JUPYTER_PATH)] + [p for p in environment.get("JUPYTER_PATH", "").split(os.pathsep) if p]
    )
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


def generate_token(length=10):
    """A random token a student can type (``secrets``, no look-alike characters)."""
    return "".join(secrets.choice(TOKEN_ALPHABET) for _ in range(length))


def check_token(token):
    """``token`` if it can go in a URL as it is (6 to 128 of A-Z a-z 0-9 _ -); ValueError otherwise."""
    if not isinstance(token, str) or not _TOKEN.fullmatch(token):
        raise ValueError(f"token must be 6 to 128 characters from A-Z a-z 0-9 _ -, got {token!r}")
    return token


def _outgoing_address(family, probe):
    # connect() on a UDP socket only picks the route (no packet is sent): the address of the
    # interface other machines reach this one through.
    with socket.socket(family, socket.SOCK_DGRAM) as udp:
        udp.connect((probe, 9))
        return udp.getsockname()[0]


def lan_address(host):
    """The address students type for a server bound to ``host``.

    ``0.0.0.0`` (or ``::``, or empty) means every interface: the answer is this machine's address
    on its default route, for instance ``192.168.1.23``. A specific address is returned as it is.
    Falls back to the host name when the machine has no network route at all.
    """
    if host not in ("", "0.0.0.0", "::"):
        return host
    probes = [(socket.AF_INET, "10.254.254.254")]
    if host == "::":
        probes.insert(0, (socket.AF_INET6, "fd00::1"))
    for family, probe in probes:
        try:
            address = _outgoing_address(family, probe)
        except OSError:
            continue
        if not ipaddress.ip_address(address).is_loopback and not ipaddress.ip_address(address).is_unspecified:
            return address
    return socket.gethostname()


def student_url(host, port, token=None):
    """The URL to give the class: the LAN address (not 0.0.0.0) and the token."""
    return dashboard_url(lan_address(host), port) + (f"?token={token}" if token else "")


def _positive_int(text):
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a number >= 1, got {value}")
    return value


def _seconds(text):
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of seconds, got {text!r}") from None
    if not value >= 0:
        raise argparse.ArgumentTypeError(f"expected a number of seconds >= 0, got {text!r}")
    return value


def _parser():
    parser = argparse.ArgumentParser(prog="softmax-teach", description="Tools of the softmax teaching kit.")
    commands = parser.add_subparsers(dest="command", required=True)
    dashboard = commands.add_parser(
        "dashboard",
        help="serve the Softmax Explorer with Voila",
        description="Serve notebooks/dashboard.ipynb with Voila.",
    )
    dashboard.add_argument(
        "--host",
        default=DEFAULT_HOST,
        help="address to bind (default 127.0.0.1, this machine only); 0.0.0.0 serves the network and turns a token on",
    )
    dashboard.add_argument("--port", type=int, default=DEFAULT_PORT, help="port (default 8866)")
    dashboard.add_argument("--theme", choices=THEMES, default="light", help="page and figure theme")
    dashboard.add_argument(
        "--class-size",
        type=_positive_int,
        metavar="N",
        help="preheat N kernels for N students arriving at once (about 75 MB each) "
        "and cap the kernels a little above N",
    )
    dashboard.add_argument(
        "--max-kernels",
        type=_positive_int,
        metavar="M",
        help=f"the most kernels at once (default: a few above --class-size, or "
        f"{DEFAULT_MAX_KERNELS}); beyond it visitors get 'the class is full'",
    )
    dashboard.add_argument(
        "--cull-after",
        type=_seconds,
        default=DEFAULT_CULL_AFTER,
        metavar="SECONDS",
        help="shut down kernels idle this long with no page open (default 300; 0: never)",
    )
    token = dashboard.add_mutually_exclusive_group()
    token.add_argument(
        "--token", help="the token students add to the URL (default: a random one when --host is beyond this machine)"
    )
    token.add_argument(
        "--no-token",
        action="store_true",
        help="no token even beyond this machine (anyone who can reach it can use the app)",
    )
    dashboard.add_argument("--notebook", type=Path, default=DASHBOARD_NOTEBOOK, help=argparse.SUPPRESS)
    dashboard.add_argument("--no-preheat", action="store_true", help="do not keep pre-executed kernels ready")
    dashboard.add_argument("--print-command", action="store_true", help="print the Voila command and exit")
    export = commands.add_parser(
        "export-explorer",
        help="write the static Softmax Explorer into a folder (for any static web host)",
        description="Write the Softmax Explorer as static files (index.html and every file it needs) into DIR. "
        "Any static web server can then serve it (a course site, GitHub Pages, python -m http.server): "
        "no Python, no kernel and no internet needed. DIR must be new or empty.",
    )
    export.add_argument("directory", type=Path, metavar="DIR", help="a new or empty folder")
    return parser


def export_explorer_command(parser, directory):
    """``softmax-teach export-explorer DIR``: checks DIR, writes the static Explorer, says how to open it."""
    directory = Path(directory)
    if directory.exists() and not directory.is_dir():
        parser.error(f"{directory} exists and is not a folder: give a new or empty folder")
    if directory.is_dir() and any(directory.iterdir()):
        parser.error(f"{directory} is not empty: give a new or empty folder (nothing was written)")
    from softmax_teach.explorer import export_explorer  # the widget side: only this subcommand needs it

    try:
        export_explorer(directory)
    except (OSError, ValueError) as error:
        print(f"softmax-teach export-explorer: could not write {directory}: {error}", file=sys.stderr)
        return 1
    print(
        f"The static Softmax Explorer is in {directory}{os.sep} (open index.html through a web server).\n"
        f"Try it here:  python -m http.server --bind 127.0.0.1 --directory {directory}  then open "
        "http://127.0.0.1:8000/\n"
        "Publish it: copy the folder to any static web host (a course site, GitHub Pages); links such as "
        "index.html?tab=sampling&T=0.7 open a tab with those settings."
    )
    return 0


def main(argv=None):
    """Entry point of the ``softmax-teach`` console script."""
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command == "export-explorer":
        return export_explorer_command(parser, args.directory)
    try:
        command = voila_command(
            args.notebook,
            host=args.host,
            port=args.port,
            theme=args.theme,
            preheat=not args.no_preheat,
            class_size=args.class_size,
            max_kernels=args.max_kernels,
            cull_after=args.cull_after,
        )
        token = None if args.no_token else args.token
        if token is not None:
            check_token(token)
        elif not args.no_token and not is_loopback(args.host):
            token = generate_token()
    except ValueError as error:
        parser.error(str(error))
    if args.print_command:
        print(" ".join(command))
        if token:
            print(f"(the token goes in the environment variable {TOKEN_VARIABLE}, not on the command line)")
        return 0
    if not Path(args.notebook).is_file():
        parser.error(f"notebook not found: {args.notebook} (reinstall softmax-teach, or run from a checkout)")
    cap = next(part.split("=", 1)[1] for part in command if part.startswith("--ClassroomVoila.max_kernels="))
    if is_loopback(args.host):
        print(f"Softmax Explorer: {student_url(args.host, args.port, token)}  (Ctrl-C to stop)", flush=True)
    else:
        print(
            f"Softmax Explorer for the class, type this address:\n\n    {student_url(args.host, args.port, token)}\n\n"
            f"At most {cap} kernels at once (about 75 MB each). Ctrl-C to stop.",
            flush=True,
        )
        if token is None:
            print(
                f"WARNING: binding {args.host} without a token: anyone who can reach this address can use the "
                "app. Use it only on a trusted classroom network.",
                file=sys.stderr,
                flush=True,
            )
    environment = dashboard_environment(token=token)
    if os.name == "posix":
        # Replace this process: Ctrl-C then reaches Voila itself, which shuts its kernels down.
        os.execve(command[0], command, environment)
    return subprocess.call(command, env=environment)


if __name__ == "__main__":
    sys.exit(main())

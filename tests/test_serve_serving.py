"""The serving pieces without a server: the websocket frame checks, the cross-site rules, the kernel cap, the CLI."""

import json
import time
from pathlib import Path

import pytest
from widget_client import decode_v1, encode_v1

from softmax_teach import cli
from softmax_teach.serve import extension
from softmax_teach.serve.kernels import capped_manager_base, check_pool_fits
from softmax_teach.serve.pages import class_full_page, cross_site_reason, is_top_level_navigation
from softmax_teach.serve.websocket import V1_PROTOCOL, offered_subprotocols, read_v1_header, v1_frame_problem


def legacy_binary_frame(message, buffers):
    """jupyter_client's legacy binary websocket message (big-endian uint32 count and offsets)."""
    parts = [json.dumps(message).encode(), *buffers]
    offsets, position = [], 4 * (len(parts) + 1)
    for part in parts:
        offsets.append(position)
        position += len(part)
    return len(parts).to_bytes(4, "big") + b"".join(o.to_bytes(4, "big") for o in offsets) + b"".join(parts)


MESSAGE = {
    "header": {"msg_type": "comm_msg", "msg_id": "1"},
    "parent_header": {},
    "metadata": {},
    "content": {"comm_id": "c", "data": {}},
    "buffers": [b"\x89PNG" + bytes(5000)],
}


def test_the_v1_reader_reads_v1_headers_and_rejects_a_legacy_frame_at_once():
    frame = encode_v1("iopub", MESSAGE)
    assert read_v1_header(frame) == MESSAGE["header"]
    assert decode_v1(frame)["buffers"] == MESSAGE["buffers"]
    legacy = legacy_binary_frame(
        {k: MESSAGE[k] for k in ("header", "parent_header", "metadata", "content")}, MESSAGE["buffers"]
    )
    # Voila's reader takes this frame's first 8 bytes as a count of about 10**17 offsets (the freeze).
    assert int.from_bytes(legacy[:8], "little") > 10**16
    started = time.perf_counter()
    assert read_v1_header(legacy) is None
    assert time.perf_counter() - started < 0.5
    for junk in [b"", b"\x00" * 7, (2**63).to_bytes(8, "little") + bytes(64), (6).to_bytes(8, "little") + bytes(56)]:
        assert read_v1_header(junk) is None


def test_only_handshakes_offering_v1_are_accepted():
    assert V1_PROTOCOL in offered_subprotocols({"Sec-WebSocket-Protocol": f"foo, {V1_PROTOCOL}"})
    assert offered_subprotocols({}) == []


@pytest.mark.parametrize(
    ("headers", "reason"),
    [
        ({}, None),  # scripts, old browsers
        ({"Sec-Fetch-Site": "same-origin"}, None),
        ({"Sec-Fetch-Site": "none"}, None),  # typed into the address bar
        ({"Sec-Fetch-Site": "same-site"}, None),  # JupyterLab on another port of the same machine
        ({"Origin": "http://127.0.0.1:8866"}, None),
        ({"Sec-Fetch-Site": "cross-site"}, "cross-site"),
        ({"Sec-Fetch-Site": "Cross-Site"}, "cross-site"),
        ({"Origin": "http://elsewhere.example"}, "foreign origin"),
        ({"Origin": "null"}, "foreign origin"),  # sandboxed frames, file:// pages
        ({"Origin": "http://127.0.0.1:9999"}, "foreign origin"),
    ],
)
def test_cross_site_requests_are_recognised(headers, reason):
    assert cross_site_reason(headers, "127.0.0.1:8866") == reason


def test_only_a_followed_link_is_a_top_level_navigation():
    link = {"Sec-Fetch-Mode": "navigate", "Sec-Fetch-Dest": "document"}
    assert is_top_level_navigation(link)
    assert not is_top_level_navigation({**link, "Sec-Fetch-Dest": "iframe"})
    assert not is_top_level_navigation({"Sec-Fetch-Mode": "no-cors", "Sec-Fetch-Dest": "empty"})
    assert not is_top_level_navigation({**link, "Origin": "http://elsewhere.example"})


def test_the_class_full_page_is_short_and_retries_itself():
    page = class_full_page(33)
    assert "The class is full" in page and "33 people" in page and 'http-equiv="refresh"' in page
    assert len(page) < 2000


def test_the_cap_must_hold_the_pool():
    with pytest.raises(ValueError, match="max_kernels"):
        capped_manager_base(object, 0)
    with pytest.raises(ValueError, match="max_kernels"):
        check_pool_fits(1, True)
    with pytest.raises(ValueError, match="does not fit"):
        check_pool_fits(4, 3)
    check_pool_fits(3, 3)


def test_the_class_voila_builds_on_the_capped_base_is_capped():
    from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager
    from voila.voila_kernel_manager import voila_kernel_manager_factory

    from softmax_teach.serve.kernels import CappedKernelsMixin

    base = capped_manager_base(AsyncMappingKernelManager, 5)
    assert issubclass(base, AsyncMappingKernelManager)
    # What Voila does in init_settings without preheating: subclass the base, instantiate once.
    manager = voila_kernel_manager_factory(base, False, 0)()
    assert isinstance(manager, CappedKernelsMixin) and isinstance(manager, AsyncMappingKernelManager)
    assert manager.max_kernels == 5 and not manager.preheated
    # The mixin comes before the class Voila built, so its methods wrap the pool's.
    assert type(manager).__mro__[1] is CappedKernelsMixin
    assert manager.kernel_count() == 0 and manager.reserve() and manager.kernel_count() == 1
    manager.release()
    assert manager.kernel_count() == 0

    class Pooled(base):  # a class with a pool to fill, as Voila's preheating one
        def fill_if_needed(self, **kwargs):
            return None

    assert Pooled().preheated and type(Pooled()) is type(Pooled())  # one capped class per class


def v1_frame(count, offsets, payload=b""):
    return count.to_bytes(8, "little") + b"".join(o.to_bytes(8, "little") for o in offsets) + payload


def test_forged_incoming_v1_frames_are_named_and_a_real_one_passes():
    good = encode_v1("shell", MESSAGE)
    assert v1_frame_problem(good) is None
    size = len(good)
    forged = {
        "empty": b"",
        "short": b"\x01\x02\x03",
        "2**62 offsets": (2**62).to_bytes(8, "little") + good[8:],
        "2**64-1 offsets": b"\xff" * 8 + good[8:],
        "past the end": v1_frame(6, [56, 61, 70, 80, 90, size + 10**9], good[56:]),
        "out of order": v1_frame(6, [56, 70, 61, 80, 90, 100], bytes(100 - 56)),
        "inside the offsets": v1_frame(6, [8, 20, 30, 40, 50, 56]),
        "too few": v1_frame(2, [24, 29], b"shell"),
        "text": good.decode("latin-1"),
        "channel not utf-8": v1_frame(6, [56, 58, 58, 58, 58, 58], b"\xff\xfe"),
    }
    for name, frame in forged.items():
        started = time.perf_counter()
        problem = v1_frame_problem(frame)
        assert problem, name
        assert time.perf_counter() - started < 0.1, name
    assert "2**62" not in v1_frame_problem(forged["2**62 offsets"])  # the count is printed as a number
    assert "4611686018427387904" in v1_frame_problem(forged["2**62 offsets"])
    assert "past the frame's end" in v1_frame_problem(forged["past the end"])
    assert "out of order" in v1_frame_problem(forged["out of order"])


def test_class_size_preheats_the_class_and_caps_a_little_above_it():
    command = cli.voila_command(class_size=30)
    assert "--pool_size=30" in command and "--ClassroomVoila.max_kernels=33" in command
    assert cli.class_cap(8) == 10 and cli.class_cap(100) == 110
    default = cli.voila_command()
    assert command[1:3] == ["-m", "softmax_teach.serve.voila_app"]
    assert "--pool_size=1" in default and f"--ClassroomVoila.max_kernels={cli.DEFAULT_MAX_KERNELS}" in default
    assert "--VoilaExecutor.iopub_timeout=60" in default  # Voila's 4 s left a class with blank pages
    assert "--MappingKernelManager.cull_idle_timeout=300" in default
    assert not [flag for flag in cli.voila_command(cull_after=0) if "cull" in flag]
    assert "--MappingKernelManager.cull_interval=2" in cli.voila_command(cull_after=6)
    for bad in [
        dict(class_size=0),
        dict(max_kernels=-1),
        dict(class_size=10, max_kernels=5),
        dict(cull_after=-1),
        dict(class_size=True),
    ]:
        with pytest.raises(ValueError):
            cli.voila_command(**bad)


def test_beyond_loopback_a_token_is_on_and_the_printed_url_is_one_students_can_type(capsys, monkeypatch):
    token = cli.generate_token()
    assert len(token) == 10 and set(token) <= set(cli.TOKEN_ALPHABET) and cli.check_token(token) == token
    assert cli.generate_token() != token
    for bad in ["", "abc", "has space", "a/b?c=d", "x" * 200]:
        with pytest.raises(ValueError, match="token"):
            cli.check_token(bad)
    assert cli.student_url("192.168.1.23", 8866, "abcdefgh") == "http://192.168.1.23:8866/?token=abcdefgh"
    assert "0.0.0.0" not in cli.student_url("0.0.0.0", 8866, "abcdefgh")
    # The token reaches the server through its environment, never the command line.
    environment = cli.dashboard_environment(token="abcdefgh", base={"SOFTMAX_TEACH_TOKEN": "old"})
    assert environment[cli.TOKEN_VARIABLE] == "abcdefgh"
    assert cli.TOKEN_VARIABLE not in cli.dashboard_environment(base={"SOFTMAX_TEACH_TOKEN": "old"})
    assert cli.main(["dashboard", "--host", "0.0.0.0", "--print-command"]) == 0
    printed = capsys.readouterr().out
    assert "SOFTMAX_TEACH_TOKEN" in printed and "token=" not in printed
    with pytest.raises(SystemExit):
        cli.main(["dashboard", "--token", "no good", "--print-command"])
    with pytest.raises(SystemExit):
        cli.main(["dashboard", "--token", "abcdefgh", "--no-token"])
    with pytest.raises(SystemExit):
        cli.main(["dashboard", "--class-size", "many"])
    # What the teacher sees when serving the class (starting the server replaced by a record of it).
    started = {}

    class Started(Exception):
        pass

    def record(path, args, env=None):
        started.update(args=args, env=env)
        raise Started

    monkeypatch.setattr(cli.os, "execve", record)
    monkeypatch.setattr(cli.subprocess, "call", lambda args, env: record(None, args, env))
    with pytest.raises(Started):
        cli.main(["dashboard", "--host", "0.0.0.0", "--class-size", "30"])
    out = capsys.readouterr().out
    url = next(line.strip() for line in out.splitlines() if "token=" in line)
    assert url.startswith("http://") and "0.0.0.0" not in url and "At most 33 kernels" in out
    assert url.endswith("?token=" + started["env"][cli.TOKEN_VARIABLE])
    assert not [arg for arg in started["args"] if started["env"][cli.TOKEN_VARIABLE] in arg]
    with pytest.raises(Started):
        cli.main(["dashboard", "--host", "0.0.0.0", "--no-token"])
    assert "without a token" in capsys.readouterr().err


def test_the_extension_path_has_the_same_voila_settings_and_installs_them(tmp_path):
    command = extension.jupyter_server_command(tmp_path, port=8888, token="abcdefgh")
    assert "--VoilaConfiguration.template=softmax-explorer" in command
    assert "--VoilaConfiguration.strip_sources=True" in command
    with pytest.raises(ValueError, match="token"):
        extension.jupyter_server_command(tmp_path, port=8888, token="")
    template, config = extension.install(tmp_path)
    assert (template / "index.html.j2").is_file() and (template / "conf.json").is_file()
    assert json.loads(config.read_text())["VoilaConfiguration"]["template"] == "softmax-explorer"
    assert extension.install(tmp_path)[0] == template  # installing again replaces the copy


def test_export_explorer_writes_the_static_folder_and_refuses_a_used_one(tmp_path, capsys):
    target = tmp_path / "site" / "explorer"
    assert cli.main(["export-explorer", str(target)]) == 0
    out = capsys.readouterr().out
    assert "python -m http.server" in out and str(target) in out
    assert (target / "index.html").is_file() and (target / "js" / "core.js").is_file()
    written = sorted(p.relative_to(target) for p in target.rglob("*"))
    # A folder that is not empty (the one just written) is refused with a message, and left as it was.
    with pytest.raises(SystemExit) as refused:
        cli.main(["export-explorer", str(target)])
    assert refused.value.code == 2
    err = capsys.readouterr().err
    assert "is not empty" in err and "Traceback" not in err
    assert sorted(p.relative_to(target) for p in target.rglob("*")) == written
    # So is a file, and an empty folder is fine.
    with pytest.raises(SystemExit):
        cli.main(["export-explorer", str(target / "index.html")])
    assert "is not a folder" in capsys.readouterr().err
    (tmp_path / "empty").mkdir()
    assert cli.main(["export-explorer", str(tmp_path / "empty")]) == 0


def test_export_explorer_reports_a_folder_it_cannot_write(tmp_path, capsys):
    import os

    if hasattr(os, "geteuid") and os.geteuid() == 0:
        # root writes anywhere: a folder below a file is what cannot be created for anyone.
        blocked = tmp_path / "a-file" / "explorer"
        (tmp_path / "a-file").write_text("")
    else:
        (tmp_path / "locked").mkdir(mode=0o500)
        blocked = tmp_path / "locked" / "explorer"
    assert cli.main(["export-explorer", str(blocked)]) == 1
    err = capsys.readouterr().err
    assert "could not write" in err and "Traceback" not in err


def test_voila_command_serves_on_loopback_with_sources_stripped_and_a_preheated_kernel():
    command = cli.voila_command("notebooks/dashboard.ipynb", port=9999, theme="dark")
    assert command[1:4] == ["-m", "softmax_teach.serve.voila_app", "notebooks/dashboard.ipynb"]
    for flag in [
        "--port=9999",
        "--Voila.ip=127.0.0.1",
        "--strip_sources=True",
        "--theme=dark",
        "--preheat_kernel=True",
        "--pool_size=1",
        "--no-browser",
        f"--template={cli.DASHBOARD_TEMPLATE}",
    ]:
        assert flag in command
    assert "--preheat_kernel=True" not in cli.voila_command(preheat=False)
    with pytest.raises(ValueError, match="port"):
        cli.voila_command(port=70000)
    with pytest.raises(ValueError, match="theme"):
        cli.voila_command(theme="blue")


def test_cli_prints_the_command_and_rejects_bad_arguments(capsys):
    assert cli.main(["dashboard", "--host", "0.0.0.0", "--port", "9000", "--print-command"]) == 0
    printed = capsys.readouterr().out
    assert "--Voila.ip=0.0.0.0" in printed and "--port=9000" in printed
    with pytest.raises(SystemExit):
        cli.main(["dashboard", "--theme", "blue"])
    with pytest.raises(SystemExit):
        cli.main([])  # a subcommand is required
    assert cli.dashboard_url("::1", 8866) == "http://[::1]:8866/"
    assert cli.dashboard_url("127.0.0.1", 8866) == "http://127.0.0.1:8866/"
    assert cli.is_loopback("127.0.0.1") and cli.is_loopback("localhost") and not cli.is_loopback("0.0.0.0")


def test_the_environment_lets_voila_find_the_dashboard_template_in_the_package():
    import os

    from softmax_teach.serve import resources

    template = resources.template_directory()
    assert template == cli.DASHBOARD_JUPYTER_PATH / "voila" / "templates" / cli.DASHBOARD_TEMPLATE
    assert (template / "index.html.j2").is_file() and (template / "conf.json").is_file()
    assert template.is_relative_to(Path(resources.__file__).parent)  # package data, not a share/ folder
    environment = cli.dashboard_environment(base={"JUPYTER_PATH": "/elsewhere", "PATH": "/bin"})
    assert environment["JUPYTER_PATH"].split(os.pathsep) == [str(cli.DASHBOARD_JUPYTER_PATH), "/elsewhere"]
    assert environment["PATH"] == "/bin"
    assert cli.dashboard_environment(base={})["JUPYTER_PATH"] == str(cli.DASHBOARD_JUPYTER_PATH)


def test_the_packaged_dashboard_notebook_is_the_one_in_notebooks():
    from softmax_teach.serve import resources

    packaged = Path(resources.__file__).parent / resources.NOTEBOOK_NAME
    checkout = Path(__file__).resolve().parents[1] / "notebooks" / resources.NOTEBOOK_NAME
    assert cli.DASHBOARD_NOTEBOOK == checkout
    # One file: the package's entry links to the notebook (setuptools copies its bytes into the wheel).
    assert packaged.is_symlink() and packaged.resolve() == checkout.resolve()

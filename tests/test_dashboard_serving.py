"""The serving pieces without a server: the websocket frame reader, the cross-site rules, the CLI's class options."""

import json
import time

import pytest
from widget_client import decode_v1, encode_v1

from softmax_teach import cli
from softmax_teach.dashboard import extension
from softmax_teach.dashboard.kernels import capped_factory
from softmax_teach.dashboard.pages import class_full_page, cross_site_reason, is_top_level_navigation
from softmax_teach.dashboard.websocket import V1_PROTOCOL, offered_subprotocols, read_v1_header


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
        capped_factory(lambda *a, **k: object, 0)
    with pytest.raises(ValueError, match="does not fit"):
        capped_factory(lambda *a, **k: object, 3)(object, True, 4)


def test_class_size_preheats_the_class_and_caps_a_little_above_it():
    command = cli.voila_command(class_size=30)
    assert "--pool_size=30" in command and "--ClassroomVoila.max_kernels=33" in command
    assert cli.class_cap(8) == 10 and cli.class_cap(100) == 110
    default = cli.voila_command()
    assert command[1:3] == ["-m", "softmax_teach.dashboard.voila_app"]
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

"""A protocol-level client of the served dashboard: what a browser's widget front end does, without a browser.

Used by the server tests and by ``bench/bench_classroom.py``. One :class:`WidgetClient` is one
student: it fetches the page (which gives it a kernel), opens the kernel's websocket channel,
asks which widget comms exist, requests each widget's state, and then moves a slider and waits
for the figure that answers it. Thirty of these cost far less CPU than thirty browsers, so a load
test measures the server, not the clients.

The websocket speaks either the ``v1.kernel.websocket.jupyter.org`` binary protocol (what
JupyterLab's services, hence every browser, negotiate) or, with ``protocol="legacy"``, the older
JSON protocol that a client gets when it offers no subprotocol (the client of issue 12's finding 1).
"""

from __future__ import annotations

import asyncio
import json
import re
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid

V1_PROTOCOL = "v1.kernel.websocket.jupyter.org"
_KERNEL_ID = re.compile(r'"kernelId": "([0-9a-f-]+)"')


class PageError(RuntimeError):
    """The page came without a kernel (the class is full, or the kernel failed)."""

    def __init__(self, status, text):
        super().__init__(f"HTTP {status}: {text[:300]!r}")
        self.status, self.text = status, text


def fetch(url, headers=None, timeout=120.0):
    """GET ``url``; returns ``(status, text, set-cookie headers)``, also for 4xx/5xx answers."""
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return (
                response.status,
                response.read().decode("utf-8", "replace"),
                response.headers.get_all("Set-Cookie") or [],
            )
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode("utf-8", "replace"), error.headers.get_all("Set-Cookie") or []


def post(url, fields, headers=None, timeout=60.0):
    """POST a form; returns ``(status, text)``, also for 4xx/5xx answers."""
    request = urllib.request.Request(
        url, data=urllib.parse.urlencode(fields).encode(), headers=headers or {}, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode("utf-8", "replace")


def kernel_id_of(page):
    """The kernel id a Voila page was given, or None."""
    match = _KERNEL_ID.search(page)
    return match.group(1) if match else None


def cookie_header(set_cookies):
    """A ``Cookie`` request header carrying the ``name=value`` of each ``Set-Cookie``."""
    return "; ".join(cookie.split(";", 1)[0] for cookie in set_cookies)


def encode_v1(channel, message):
    """A message as one binary frame of the v1 protocol (jupyter_server's ``serialize_msg_to_ws_v1``)."""
    parts = [json.dumps(message[key]).encode() for key in ("header", "parent_header", "metadata", "content")]
    parts += [bytes(buffer) for buffer in message.get("buffers", ())]
    channel = channel.encode()
    offsets = [8 * (1 + 1 + len(parts) + 1)]
    offsets.append(offsets[-1] + len(channel))
    for part in parts:
        offsets.append(offsets[-1] + len(part))
    head = len(offsets).to_bytes(8, "little") + b"".join(o.to_bytes(8, "little") for o in offsets)
    return head + channel + b"".join(parts)


def decode_v1(frame):
    """The inverse of :func:`encode_v1`: a dict with channel, header, parent_header, metadata, content, buffers."""
    count = int.from_bytes(frame[:8], "little")
    if not 2 <= count <= len(frame) // 8:
        raise ValueError(f"not a v1 frame (offset count {count})")
    offsets = [int.from_bytes(frame[8 * (i + 1) : 8 * (i + 2)], "little") for i in range(count)]
    parts = [frame[offsets[i] : offsets[i + 1]] for i in range(count - 1)]
    message = {"channel": parts[0].decode()}
    for key, part in zip(("header", "parent_header", "metadata", "content"), parts[1:5]):
        message[key] = json.loads(part)
    message["buffers"] = parts[5:]
    return message


def decode_legacy(frame):
    """A message of the legacy protocol: JSON text, or binary with big-endian uint32 offsets (jupyter_client)."""
    if isinstance(frame, str):
        message = json.loads(frame)
        message.setdefault("buffers", [])
        return message
    count = int.from_bytes(frame[:4], "big")
    offsets = [int.from_bytes(frame[4 * (i + 1) : 4 * (i + 2)], "big") for i in range(count)] + [len(frame)]
    message = json.loads(frame[offsets[0] : offsets[1]])
    message["buffers"] = [frame[offsets[i] : offsets[i + 1]] for i in range(1, count)]
    return message


class WidgetClient:
    """One student's connection to a served dashboard.

    Parameters
    ----------
    base_url : str
        ``http://127.0.0.1:PORT/`` (with a trailing slash); the page is ``base_url + page_path``.
    page_path : str
        Path of the page below ``base_url`` (``""`` for standalone Voila).
    protocol : {"v1", "legacy"}
        ``"v1"`` negotiates the binary subprotocol as a browser does; ``"legacy"`` offers none.
    token : str, optional
        Sent as ``?token=`` on the page request; the login cookie then authenticates the rest.
    """

    def __init__(self, base_url, page_path="", *, protocol="v1", token=None):
        if protocol not in ("v1", "legacy"):
            raise ValueError(f"protocol must be 'v1' or 'legacy', got {protocol!r}")
        self.base_url, self.page_path, self.protocol, self.token = base_url, page_path, protocol, token
        self.kernel_id = None
        self.cookies = ""
        self.session = uuid.uuid4().hex
        self.websocket = None
        self.states = {}  # comm_id -> widget state (after request_states)
        self._pending = []  # messages received while waiting for something else

    async def fetch_page(self, timeout=300.0, headers=None):
        """GET the page (it starts or hands out a kernel); raises :class:`PageError` without a kernel."""
        url = self.base_url + self.page_path + (f"?token={self.token}" if self.token else "")
        status, text, cookies = await asyncio.to_thread(fetch, url, headers, timeout)
        self.page, self.cookies = text, cookie_header(cookies)
        self.kernel_id = kernel_id_of(text) if status == 200 else None
        if self.kernel_id is None:
            raise PageError(status, text)
        return status

    async def connect(self, open_timeout=60.0):
        """Open the kernel's websocket channel (as the widget front end does after the page loaded)."""
        from websockets.asyncio.client import connect

        url = (
            self.base_url.replace("http", "ws", 1) + f"api/kernels/{self.kernel_id}/channels?session_id={self.session}"
        )
        self.websocket = await connect(
            url,
            subprotocols=[V1_PROTOCOL] if self.protocol == "v1" else None,
            additional_headers={"Cookie": self.cookies} if self.cookies else None,
            max_size=None,
            open_timeout=open_timeout,
            compression=None,
        )
        return self

    async def close(self):
        if self.websocket is not None:
            await self.websocket.close()
            self.websocket = None

    def xsrf(self):
        """The value of the page's ``_xsrf`` cookie ("" without one)."""
        match = re.search(r"(?:^|; )_xsrf=([^;]*)", self.cookies)
        return match.group(1) if match else ""

    async def close_tab(self, with_xsrf=True):
        """Close the channel and post what Voila's page sends on ``beforeunload``; returns the HTTP status.

        The page sends ``navigator.sendBeacon(base + "voila/api/shutdown/<kernel>", form)`` with the
        form field ``_xsrf`` set to its ``_xsrf`` cookie (empty without the cookie).
        """
        await self.close()
        status, _ = await asyncio.to_thread(
            post,
            f"{self.base_url}voila/api/shutdown/{self.kernel_id}",
            {"_xsrf": self.xsrf() if with_xsrf else ""},
            {"Cookie": self.cookies, "Origin": self.base_url.rstrip("/")},
        )
        return status

    async def send(self, msg_type, content, channel="shell", buffers=()):
        """Send a request; returns its msg_id."""
        msg_id = uuid.uuid4().hex
        message = {
            "header": {
                "msg_id": msg_id,
                "msg_type": msg_type,
                "username": "student",
                "session": self.session,
                "date": "",
                "version": "5.3",
            },
            "parent_header": {},
            "metadata": {},
            "content": content,
            "buffers": list(buffers),
        }
        if self.protocol == "v1":
            await self.websocket.send(encode_v1(channel, message))
        else:
            message["channel"] = channel
            message.pop("buffers")
            await self.websocket.send(json.dumps(message))
        return msg_id

    async def receive(self, timeout):
        frame = await asyncio.wait_for(self.websocket.recv(), timeout)
        return decode_v1(frame) if self.protocol == "v1" else decode_legacy(frame)

    async def wait_for(self, predicate, timeout=60.0):
        """The first received message for which ``predicate(message)`` is true."""
        for message in self._pending:
            if predicate(message):
                self._pending.remove(message)
                return message
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("no matching kernel message in time")
            message = await self.receive(left)
            if predicate(message):
                return message
            if message["header"]["msg_type"] in ("comm_msg", "comm_info_reply"):
                self._pending.append(message)  # keep only what a later wait may want

    async def comm_info(self, timeout=60.0):
        """``{comm_id: target_name}`` of the kernel's widget comms."""
        msg_id = await self.send("comm_info_request", {"target_name": "jupyter.widget"})
        reply = await self.wait_for(
            lambda m: m["parent_header"].get("msg_id") == msg_id and m["header"]["msg_type"] == "comm_info_reply",
            timeout,
        )
        return {comm_id: info.get("target_name") for comm_id, info in reply["content"]["comms"].items()}

    async def request_states(self, timeout=60.0):
        """Ask every widget for its state, as the front end does on connecting; fills :attr:`states`."""
        comms = await self.comm_info(timeout)
        asked = {}
        for comm_id in comms:
            msg_id = await self.send("comm_msg", {"comm_id": comm_id, "data": {"method": "request_state"}})
            asked[msg_id] = comm_id
        deadline = time.monotonic() + timeout
        while len(self.states) < len(asked):
            message = await self.wait_for(
                lambda m: m["header"]["msg_type"] == "comm_msg" and m["parent_header"].get("msg_id") in asked,
                deadline - time.monotonic(),
            )
            comm_id = asked[message["parent_header"]["msg_id"]]
            self.states[comm_id] = message["content"]["data"]["state"]
        return self.states

    async def widget_state(self, comm_id, timeout=60.0):
        """One widget's current state, as the kernel holds it (a fresh ``request_state``)."""
        msg_id = await self.send("comm_msg", {"comm_id": comm_id, "data": {"method": "request_state"}})
        message = await self.wait_for(
            lambda m: m["header"]["msg_type"] == "comm_msg" and m["parent_header"].get("msg_id") == msg_id, timeout
        )
        return message["content"]["data"]["state"]

    def find(self, model_name, dom_class):
        """The comm id of the widget with this model name and CSS class (e.g. the temperature slider)."""
        for comm_id, state in self.states.items():
            if state.get("_model_name") == model_name and dom_class in state.get("_dom_classes", ()):
                return comm_id
        raise LookupError(f"no {model_name} with class {dom_class!r} among {len(self.states)} widgets")

    async def move_and_wait_for_figure(self, slider_id, value, figure_id, timeout=60.0):
        """Set a slider's value as the front end does; returns (seconds until the figure changed, PNG bytes)."""
        started = time.perf_counter()
        await self.send(
            "comm_msg",
            {"comm_id": slider_id, "data": {"method": "update", "state": {"value": value}, "buffer_paths": []}},
        )
        message = await self.wait_for(
            lambda m: (
                m["header"]["msg_type"] == "comm_msg"
                and m["content"].get("comm_id") == figure_id
                and m["content"]["data"].get("method") == "update"
                and m["buffers"]
            ),
            timeout,
        )
        return time.perf_counter() - started, bytes(message["buffers"][0])

    async def settle(self, timeout=60.0):
        """Wait until the kernel has handled every message sent so far; returns the seconds waited.

        A kernel handles its shell channel in order, so the reply to a ``comm_info_request`` sent
        now arrives only after every earlier widget update has been processed.
        """
        started = time.perf_counter()
        await self.comm_info(timeout)
        return time.perf_counter() - started

    async def update_and_wait_for_echo(self, comm_id, state, timeout=60.0):
        """Send a widget state update as the front end does; returns the seconds until the kernel echoed it.

        ipywidgets 8 kernels answer every update from a front end with an ``echo_update`` of the
        same keys: all the traffic a browser's update causes when nothing is drawn in the kernel.
        """
        started = time.perf_counter()
        msg_id = await self.send(
            "comm_msg", {"comm_id": comm_id, "data": {"method": "update", "state": state, "buffer_paths": []}}
        )
        await self.wait_for(
            lambda m: (
                m["header"]["msg_type"] == "comm_msg"
                and m["parent_header"].get("msg_id") == msg_id
                and m["content"]["data"].get("method") == "echo_update"
            ),
            timeout,
        )
        return time.perf_counter() - started

    async def update_and_settle(self, comm_id, state, timeout=60.0):
        """Send a widget state update as the front end does and wait until the kernel handled it; seconds."""
        started = time.perf_counter()
        await self.send(
            "comm_msg", {"comm_id": comm_id, "data": {"method": "update", "state": state, "buffer_paths": []}}
        )
        await self.settle(timeout)
        return time.perf_counter() - started


TEMPERATURE_SLIDER = ("FloatLogSliderModel", "temperature-slider")
FIGURE = ("ImageModel", "probability-plot")


def serves_old_dashboard(states):
    """True when the page's widgets are the old kernel-drawn dashboard (a PNG figure widget)."""
    return any(
        state.get("_model_name") == FIGURE[0] and FIGURE[1] in state.get("_dom_classes", ())
        for state in states.values()
    )


def explorer_tab(states, name="Temperature"):
    """The comm id of the Explorer's anywidget tab whose class name contains ``name`` (e.g. ``TemperatureTab``).

    anywidget names each widget's front-end module ``_anywidget_id`` (``module.ClassName``).
    """
    for comm_id, state in states.items():
        if state.get("_model_name") == "AnyModel" and name in str(state.get("_anywidget_id", "")):
            return comm_id
    names = sorted(
        str(state.get("_anywidget_id")) for state in states.values() if state.get("_model_name") == "AnyModel"
    )
    raise LookupError(f"no Explorer tab named like {name!r} among the anywidgets {names}")


async def arrive_and_move(base_url, temperature, page_path="", token=None):
    """One student arriving: page, channel, widget state, one temperature change answered by the kernel.

    On the old dashboard (kernel-drawn figures) the answer is a new PNG; ``temperature`` must then
    differ from the current one (1 on a fresh page), or nothing is redrawn. On the Explorer (the
    figure is drawn in the browser) the answer is the kernel having validated the new state.

    Returns the connected client with ``arrived_to_figure`` (seconds from arriving to the first
    slider response), ``slider_to_figure`` (seconds of that change alone), ``old`` (which app),
    ``slider`` (the comm that was moved) and, on the old dashboard, ``figure`` and ``png``.
    """
    client = WidgetClient(base_url, page_path, token=token)
    started = time.perf_counter()
    await client.fetch_page()
    await client.connect()
    await client.request_states()
    client.old = serves_old_dashboard(client.states)
    if client.old:
        client.slider, client.figure = client.find(*TEMPERATURE_SLIDER), client.find(*FIGURE)
        client.slider_to_figure, client.png = await client.move_and_wait_for_figure(
            client.slider, temperature, client.figure
        )
    else:
        client.slider, client.figure, client.png = explorer_tab(client.states), None, None
        client.slider_to_figure = await client.update_and_settle(client.slider, {"temperature": temperature})
    client.arrived_to_figure = time.perf_counter() - started
    return client


def forged_v1_frames():
    """``{name: frame}``: binary (and one text) frames a hostile v1 client could send (issue 17, item 8).

    Each would make jupyter_server 2.21's ``deserialize_msg_from_ws_v1`` loop for ever (a count of
    2**62 offsets), read past the frame, or fail inside the server; the served dashboard must close
    such a client's websocket and go on serving everyone else.
    """
    message = {
        "header": {"msg_id": "forged", "msg_type": "comm_info_request", "session": "s", "username": "u"},
        "parent_header": {},
        "metadata": {},
        "content": {},
    }
    good = encode_v1("shell", message)
    count = int.from_bytes(good[:8], "little")
    offsets = [int.from_bytes(good[8 * (i + 1) : 8 * (i + 2)], "little") for i in range(count)]

    def with_offsets(new_offsets):
        return good[:8] + b"".join(o.to_bytes(8, "little") for o in new_offsets) + good[8 * (count + 1) :]

    swapped = offsets[:]
    swapped[2], swapped[3] = swapped[3], swapped[2]
    return {
        "count 2**62": (2**62).to_bytes(8, "little") + good[8:],
        "count 2**64-1": b"\xff" * 8 + good[8:],
        "offset past the end": with_offsets(offsets[:-1] + [len(good) + 2**40]),
        "offsets out of order": with_offsets(swapped),
        "empty frame": b"",
        "seven bytes": b"\x06" + bytes(6),
        "text frame": '{"channel": "shell"}',
    }


async def close_code_after_sending(client, frame, timeout=5.0):
    """Send ``frame`` on a connected client; returns the close code the server answered with, or None.

    Messages the kernel sends meanwhile (status, ...) are read and dropped until the server closes
    the websocket or ``timeout`` seconds pass.
    """
    from websockets.exceptions import ConnectionClosed

    await client.websocket.send(frame)
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            await asyncio.wait_for(client.websocket.recv(), max(deadline - time.monotonic(), 0.01))
    except ConnectionClosed as closed:
        return closed.rcvd.code if closed.rcvd is not None else -1
    except TimeoutError:
        return None
    return None

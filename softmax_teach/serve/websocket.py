"""The kernel websocket of the served dashboard: only the v1 protocol, parsed with bounds both ways.

The v1 protocol (``v1.kernel.websocket.jupyter.org``) frames a message as a little-endian uint64
count ``n``, then ``n`` uint64 offsets, then the parts they delimit: the channel, header,
parent_header, metadata, content and any buffers. Two parsers in the stack trust that count.

**Outgoing (issue 12, finding 1).** Voila 0.5.13's ``VoilaKernelWebsocketHandler.write_message``
(``voila/tornado/kernel_websocket_handler.py``) drops ``execute_input`` messages so that the
notebook's code never reaches the page. To find them it reads the header of every outgoing
*binary* frame with ``read_header_from_binary_message``, which assumes v1 framing. A client that
offered no subprotocol gets jupyter_server's *legacy* framing instead (a big-endian uint32 buffer
count, then uint32 offsets), so the first binary frame (a widget's buffer) reads as a count of
about 10**17: the list comprehension of offsets runs on the server's only thread until memory runs
out, and every other visitor waits. The legacy protocol also sends text frames, which Voila's
filter does not parse at all, so code could leak through it. :class:`ClassroomKernelWebsocketHandler`
refuses a websocket that does not offer v1 (HTTP 400) and reads outgoing headers with
:func:`read_v1_header`.

**Incoming (issue 17, item 8).** For every binary frame a v1 client sends, jupyter_server 2.21's
``ZMQChannelsWebsocketConnection.handle_incoming_message`` calls ``deserialize_msg_from_ws_v1``,
which builds ``range(count)`` from the frame's first 8 bytes: a count of 2**62 freezes the server
the same way. :class:`BoundedV1Connection` (set as ``kernel_websocket_connection_class`` of the
classroom Voila and of the extension's server) checks every incoming frame with
:func:`v1_frame_problem` first, at a cost bounded by the frame's length, and closes the websocket
of a client that sends a malformed one (close code 1008, the reason in the close frame and the
log). Browsers never send such frames.
"""

from __future__ import annotations

import json

from jupyter_server.services.kernels.connection.channels import ZMQChannelsWebsocketConnection
from voila.tornado.kernel_websocket_handler import VoilaKernelWebsocketHandler

V1_PROTOCOL = "v1.kernel.websocket.jupyter.org"
LEGACY_REFUSED = (
    f"This server speaks only the {V1_PROTOCOL} websocket subprotocol (what JupyterLab and "
    f"Voila's page use); offer it in the Sec-WebSocket-Protocol header."
)
# A kernel message in v1 framing has at least 6 offsets: where the channel, header,
# parent_header, metadata and content start, and where the content ends.
MIN_OFFSETS = 6
POLICY_VIOLATION = 1008  # websocket close code (RFC 6455): a message that violates the server's policy


def offered_subprotocols(headers):
    """The subprotocols a websocket handshake offers (``Sec-WebSocket-Protocol``, comma-separated)."""
    offered = headers.get("Sec-WebSocket-Protocol", "")
    return [name.strip() for name in offered.split(",") if name.strip()]


def v1_frame_problem(frame, min_offsets=MIN_OFFSETS):
    """Why ``frame`` is not a well-formed v1 kernel message, or None when it is one.

    Checked, in this order and without ever reading past the frame: it is bytes; it holds the
    8-byte count; the count is at least ``min_offsets`` and its offsets fit in the frame (so
    reading them costs at most ``len(frame) / 8`` steps, whatever the count says); the first
    offset starts after them; the offsets never decrease; the last one is within the frame; the
    channel is UTF-8.

    Examples
    --------
    >>> v1_frame_problem(b"")
    'a v1 frame needs at least 8 bytes, got 0'
    >>> v1_frame_problem((2**62).to_bytes(8, "little") + bytes(40))
    'offset count 4611686018427387904 does not fit in a frame of 48 bytes'
    """
    if not isinstance(frame, (bytes, bytearray, memoryview)):
        return f"a v1 client sends binary frames, got {type(frame).__name__}"
    size = len(frame)
    if size < 8:
        return f"a v1 frame needs at least 8 bytes, got {size}"
    count = int.from_bytes(frame[:8], "little")
    if 8 * (count + 1) > size:
        return f"offset count {count} does not fit in a frame of {size} bytes"
    if count < min_offsets:
        return f"offset count {count} is below the {min_offsets} of a kernel message"
    offsets = [int.from_bytes(frame[8 * (i + 1) : 8 * (i + 2)], "little") for i in range(count)]
    if offsets[0] < 8 * (count + 1):
        return f"the first part starts at {offsets[0]}, inside the {8 * (count + 1)} bytes of offsets"
    for before, after in zip(offsets, offsets[1:]):
        if after < before:
            return f"offsets out of order ({before} then {after})"
    if offsets[-1] > size:
        return f"an offset ({offsets[-1]}) is past the frame's end ({size} bytes)"
    try:
        bytes(frame[offsets[0] : offsets[1]]).decode("utf-8")
    except UnicodeDecodeError:
        return "the channel name is not UTF-8"
    return None


def read_v1_header(frame):
    """The header of a v1 binary frame, or None when ``frame`` is not a well-formed v1 frame.

    Unlike Voila's reader, this checks the frame with :func:`v1_frame_problem` (at least the
    channel and the header) before reading the header, so any input costs at most
    ``len(frame) / 8`` steps.
    """
    if v1_frame_problem(frame, min_offsets=3) is not None:
        return None
    start = int.from_bytes(frame[16:24], "little")
    end = int.from_bytes(frame[24:32], "little")
    try:
        header = json.loads(bytes(frame[start:end]).decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None
    return header if isinstance(header, dict) else None


class BoundedV1Connection(ZMQChannelsWebsocketConnection):
    """jupyter_server's kernel websocket connection that checks each incoming v1 frame before parsing it.

    A malformed frame closes this client's websocket (code 1008, with the reason); nothing of it
    reaches jupyter_server's parser or the kernel, and every other visitor is served as before.
    """

    def handle_incoming_message(self, incoming_msg):
        if self.subprotocol == V1_PROTOCOL:
            problem = v1_frame_problem(incoming_msg)
            if problem is not None:
                handler = self.websocket_handler
                self.log.warning(
                    "Closed the kernel websocket of %s: malformed v1 frame (%s)", handler.request.remote_ip, problem
                )
                # A close frame's reason is at most 123 bytes.
                handler.close(
                    POLICY_VIOLATION, f"malformed v1 frame: {problem}".encode()[:123].decode("utf-8", "ignore")
                )
                return None
        return super().handle_incoming_message(incoming_msg)


class ClassroomKernelWebsocketHandler(VoilaKernelWebsocketHandler):
    """Voila's kernel websocket, for v1 clients only and with a bounded header parser."""

    async def get(self, *args, **kwargs):
        # Refused before the upgrade (and before a connection to the kernel is made).
        if V1_PROTOCOL not in offered_subprotocols(self.request.headers):
            self.log.warning(
                "Refused a kernel websocket without the %s subprotocol from %s", V1_PROTOCOL, self.request.remote_ip
            )
            # Answered directly: standalone Voila cannot render jupyter_server's error pages.
            self.set_status(400, reason="v1 websocket subprotocol required")
            self.set_header("Content-Type", "text/plain; charset=utf-8")
            self.finish(LEGACY_REFUSED)
            return None
        return await super().get(*args, **kwargs)

    def write_message(self, message, binary=False):
        if isinstance(message, bytes):
            header = read_v1_header(message)
        elif isinstance(message, dict):
            header = message.get("header")
        else:
            header = None
        if header and header.get("msg_type") == "execute_input":
            return None  # as Voila: the page never sees the notebook's code
        # Skip Voila's own parser: the grandparent writes the frame as it is.
        return super(VoilaKernelWebsocketHandler, self).write_message(message, binary=binary)

"""The kernel websocket of the served dashboard: only the v1 protocol, parsed with bounds.

Why this exists (issue 12, finding 1). Voila 0.5.13's ``VoilaKernelWebsocketHandler.write_message``
(``voila/tornado/kernel_websocket_handler.py``) drops ``execute_input`` messages so that the
notebook's code never reaches the page. To find them it reads the header of every outgoing
*binary* frame with ``read_header_from_binary_message``, which assumes the
``v1.kernel.websocket.jupyter.org`` framing (a little-endian uint64 count, then that many uint64
offsets). A client that offered no subprotocol gets jupyter_server's *legacy* framing instead (a
big-endian uint32 buffer count, then uint32 offsets), so the first binary frame (an Image widget's
PNG) reads as a count of about 10**17: the list comprehension of offsets runs on the server's only
thread until memory runs out, and every other visitor waits. The legacy protocol also sends text
frames, which Voila's filter does not parse at all, so code could leak through it.

Browsers always negotiate v1 (JupyterLab's services offer it), so the fix is to refuse a
websocket that does not offer it, with a clear HTTP 400, and to parse headers with bounds anyway.
"""

from __future__ import annotations

import json

from voila.tornado.kernel_websocket_handler import VoilaKernelWebsocketHandler

V1_PROTOCOL = "v1.kernel.websocket.jupyter.org"
LEGACY_REFUSED = (
    f"This server speaks only the {V1_PROTOCOL} websocket subprotocol (what JupyterLab and "
    f"Voila's page use); offer it in the Sec-WebSocket-Protocol header."
)


def offered_subprotocols(headers):
    """The subprotocols a websocket handshake offers (``Sec-WebSocket-Protocol``, comma-separated)."""
    offered = headers.get("Sec-WebSocket-Protocol", "")
    return [name.strip() for name in offered.split(",") if name.strip()]


def read_v1_header(frame):
    """The header of a v1 binary frame, or None when ``frame`` is not a well-formed v1 frame.

    Unlike Voila's reader, this checks the offset count against the frame's length before
    reading offsets, so any input costs at most ``len(frame) / 8`` steps.
    """
    if len(frame) < 8:
        return None
    count = int.from_bytes(frame[:8], "little")
    # A v1 frame has at least channel, header, parent_header, metadata, content: 6 offsets.
    if not 3 <= count <= (len(frame) - 8) // 8:
        return None
    start = int.from_bytes(frame[16:24], "little")
    end = int.from_bytes(frame[24:32], "little")
    if not 8 * (count + 1) <= start <= end <= len(frame):
        return None
    try:
        header = json.loads(frame[start:end].decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None
    return header if isinstance(header, dict) else None


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

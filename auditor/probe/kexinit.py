"""Pure parsing of what an SSH server says first: identification string and SSH_MSG_KEXINIT.

No I/O happens here, so captured payloads in ``tests/unit/probe/fixtures/kexinit`` test it without a
network and a property test can feed it arbitrary bytes. Every failure is a
:class:`auditor.errors.ProtocolError` with a one-line reason; nothing else escapes.

Standards: RFC 4253 §4.2 (identification string), §6 (binary packet protocol, before any cipher
or MAC is in force), §7.1 (SSH_MSG_KEXINIT); RFC 4251 §5 (``uint32``, ``boolean``, ``name-list``).
"""

from __future__ import annotations

import os
import re
import struct
import sys

from auditor.device_model import CATEGORIES, KexInit, Offered
from auditor.errors import ProtocolError

SSH_MSG_DISCONNECT = 1
SSH_MSG_IGNORE = 2
SSH_MSG_UNIMPLEMENTED = 3
SSH_MSG_DEBUG = 4
SSH_MSG_KEXINIT = 20

MAX_LINE_BYTES = 255
"""RFC 4253 §4.2: the identification string, CR LF included, is at most 255 bytes; so is each line before it."""
MAX_LINES_BEFORE_BANNER = 32
"""Lines a server may send before its identification string (RFC 4253 §4.2 allows some; we bound them)."""
MAX_PACKET_LENGTH = 35000
"""RFC 4253 §6.1: implementations must handle packets of 35000 bytes; a longer ``packet_length`` is refused."""
MAX_PACKETS_BEFORE_KEXINIT = 8
"""SSH_MSG_IGNORE / SSH_MSG_DEBUG packets tolerated before the KEXINIT."""
BLOCK_SIZE = 8
"""RFC 4253 §6: before any cipher, packet_length + 4 is a multiple of 8."""
MIN_PADDING = 4
"""RFC 4253 §6: at least four bytes of random padding."""

NAME_LISTS = (*CATEGORIES, "languages_c2s", "languages_s2c")
"""The ten name-lists of SSH_MSG_KEXINIT in wire order (RFC 4253 §7.1)."""

STRICT_KEX_SERVER = "kex-strict-s-v00@openssh.com"
STRICT_KEX_CLIENT = "kex-strict-c-v00@openssh.com"
EXT_INFO_SERVER = "ext-info-s"
EXT_INFO_CLIENT = "ext-info-c"
PSEUDO_KEX = frozenset(
    {STRICT_KEX_SERVER, STRICT_KEX_CLIENT, EXT_INFO_SERVER, EXT_INFO_CLIENT, "kexguess2@matt.ucc.asn.au"}
)
"""Markers listed among kex algorithms that signal a feature and are never chosen (RFC 8308 §2.1, OpenSSH PROTOCOL)."""

_DISCONNECT_REASONS = {
    1: "host not allowed to connect",
    2: "protocol error",
    3: "key exchange failed",
    5: "MAC error",
    7: "service not available",
    8: "protocol version not supported",
    11: "by application",
    12: "too many connections",
}


def _printable(text: bytes, limit: int = 60) -> str:
    """A short, safe rendering of untrusted bytes for an error message."""
    shown = text[:limit].decode("ascii", "backslashreplace")
    shown = "".join(ch if ch.isprintable() else "?" for ch in shown)
    return shown + ("..." if len(text) > limit else "")


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_NOT_NAME = re.compile(r"[^\x21-\x7e]")
"""A character no algorithm name may hold: a blank, a control character or one beyond US-ASCII (RFC 4251 §6)."""
r"""C0 controls, DEL and C1 controls: shown as ``\xNN`` in the identification string we report."""


def parse_identification(line: bytes) -> str:
    r"""Parse one identification string (RFC 4253 §4.2) as OpenSSH and Paramiko read it, CR LF or LF removed or not.

    Accepted is what both clients accept: any UTF-8 text (Paramiko decodes the line as UTF-8, so the
    comment may carry ``SSH-2.0-OpenSSH_8.0 Grüße``), ended by CR LF or a bare LF, without a NUL or a
    CR before its end (OpenSSH's ``kex_exchange_identification`` refuses those), whose protocol
    version is 2.0 or 1.99. The 255-byte bound (RFC 4253 §4.2) is ours; both clients allow longer.

    Args:
        line: ``SSH-protoversion-softwareversion [SP comments]`` as received, at most 255 bytes
            with its line end.

    Returns:
        The identification string as text, without the line end, e.g. ``"SSH-2.0-OpenSSH_9.2p1 Debian-2"``;
        control characters (C0, DEL, C1) are shown as ``\xNN`` so that no report or terminal receives them.

    Raises:
        ProtocolError: not an ``SSH-`` line, not UTF-8, a NUL or a stray CR, too long, or a protocol
            version other than 2.0 / 1.99 (``SSH-1.5`` and the like: "SSH-1 only").
    """
    if len(line) > MAX_LINE_BYTES:
        raise ProtocolError(f"identification string longer than {MAX_LINE_BYTES} bytes (RFC 4253 §4.2)")
    text = line.removesuffix(b"\n").removesuffix(b"\r")
    if not text.startswith(b"SSH-"):
        raise ProtocolError(f"not an SSH server: it sent {_printable(text)!r} instead of an identification string")
    if b"\0" in text or b"\r" in text or b"\n" in text:
        raise ProtocolError(
            f"identification string holds a NUL or a stray CR (OpenSSH refuses it): {_printable(text)!r}"
        )
    try:
        decoded = text.decode("utf-8")
    except UnicodeDecodeError:
        raise ProtocolError(
            f"identification string is not UTF-8 (Paramiko cannot read it): {_printable(text)!r}"
        ) from None
    shown = _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", decoded)
    head = shown.split(" ", 1)[0]
    parts = head.split("-", 2)
    if len(parts) < 3 or not parts[1]:
        raise ProtocolError(f"malformed identification string {shown!r}: expected SSH-protoversion-softwareversion")
    proto = parts[1]
    if proto in {"2.0", "1.99"}:
        return shown
    if proto.startswith("1."):
        raise ProtocolError(f"SSH-1 only: the server speaks protocol {proto} ({shown!r}); SSH-2 is required")
    raise ProtocolError(f"unsupported SSH protocol version {proto!r} in {shown!r}")


class _Cursor:
    """Reads RFC 4251 §5 data types from a payload, raising ProtocolError when it runs out."""

    def __init__(self, data: bytes, what: str) -> None:
        self.data = data
        self.pos = 0
        self.what = what

    def take(self, count: int, field: str) -> bytes:
        end = self.pos + count
        if end > len(self.data):
            raise ProtocolError(
                f"truncated {self.what}: {field} needs {count} bytes at offset {self.pos}, "
                f"only {len(self.data) - self.pos} left"
            )
        chunk = self.data[self.pos : end]
        self.pos = end
        return chunk

    def uint32(self, field: str) -> int:
        value: int = struct.unpack(">I", self.take(4, field))[0]
        return value

    def byte(self, field: str) -> int:
        return self.take(1, field)[0]

    def name_list(self, field: str) -> tuple[str, ...]:
        length = self.uint32(f"{field} length")
        raw = self.take(length, field)
        if not raw:
            return ()
        try:
            text = raw.decode("ascii")
        except UnicodeDecodeError:
            raise ProtocolError(f"{self.what}: {field} name-list is not US-ASCII: {_printable(raw)!r}") from None
        # Interned: thousands of devices repeat the same few hundred names; keep one copy of each.
        names = tuple(sys.intern(name) for name in text.split(","))
        if "" in names:
            raise ProtocolError(f"{self.what}: {field} name-list has an empty name: {_printable(raw)!r}")
        # One scan of the whole list (the comma is a printable character too): a server sends thousands of them.
        if _NOT_NAME.search(text):
            raise ProtocolError(f"{self.what}: {field} name-list has a name with blanks or control characters")
        return names


def parse_kexinit(payload: bytes) -> KexInit:
    """Parse an SSH_MSG_KEXINIT payload (RFC 4253 §7.1).

    Args:
        payload: the packet payload, message number 20 first: ``byte 20``, ``byte[16] cookie``, ten
            ``name-list`` (kex, host key, cipher c2s/s2c, MAC c2s/s2c, compression c2s/s2c, languages
            c2s/s2c), ``boolean first_kex_packet_follows``, ``uint32 reserved``. Bytes after ``reserved``
            are ignored, as RFC 4253 §7.1 implementations do for future extensions.

    Returns:
        The :class:`~auditor.device_model.KexInit`; markers such as ``kex-strict-s-v00@openssh.com`` and
        ``ext-info-s`` are kept in ``offered.kex`` as sent.

    Raises:
        ProtocolError: another message number, a truncated field, a name-list that is not a comma-separated
            list of printable US-ASCII names, or an empty algorithm name-list (every category must negotiate).
    """
    cur = _Cursor(payload, "KEXINIT")
    msg = cur.byte("message number")
    if msg != SSH_MSG_KEXINIT:
        raise ProtocolError(f"expected SSH_MSG_KEXINIT (20), got message {msg}")
    cookie = cur.take(16, "cookie")
    lists = {field: cur.name_list(field) for field in NAME_LISTS}
    follows = cur.byte("first_kex_packet_follows")
    reserved = cur.uint32("reserved")
    for category in CATEGORIES:
        real = [n for n in lists[category] if n not in PSEUDO_KEX]
        if not real:
            raise ProtocolError(f"KEXINIT: the {category} name-list is empty; no algorithm can be negotiated")
    offered = Offered(**{c: lists[c] for c in CATEGORIES})
    return KexInit(
        cookie=cookie,
        offered=offered,
        languages_c2s=lists["languages_c2s"],
        languages_s2c=lists["languages_s2c"],
        first_kex_packet_follows=follows != 0,
        reserved=reserved,
    )


def _name_list(names: tuple[str, ...]) -> bytes:
    raw = ",".join(names).encode("ascii")
    return struct.pack(">I", len(raw)) + raw


def build_kexinit(
    offered: Offered,
    cookie: bytes | None = None,
    *,
    languages: tuple[tuple[str, ...], tuple[str, ...]] = ((), ()),
    first_kex_packet_follows: bool = False,
    reserved: int = 0,
) -> bytes:
    """Build an SSH_MSG_KEXINIT payload (RFC 4253 §7.1), the inverse of :func:`parse_kexinit`.

    Args:
        offered: the eight algorithm name-lists in preference order.
        cookie: 16 bytes; random (``os.urandom``) when None.
        languages: the two language name-lists (c2s, s2c), usually empty.
        first_kex_packet_follows: the boolean of the same name.
        reserved: the trailing ``uint32``, 0 by the standard.

    Returns:
        The payload, message number 20 first (not framed: see :func:`frame_packet`).

    Raises:
        ValueError: the cookie is not 16 bytes, or a name is not US-ASCII.
    """
    cookie = os.urandom(16) if cookie is None else cookie
    if len(cookie) != 16:
        raise ValueError(f"a KEXINIT cookie is 16 bytes, got {len(cookie)}")
    parts = [bytes([SSH_MSG_KEXINIT]), cookie]
    parts += [_name_list(getattr(offered, c)) for c in CATEGORIES]
    parts += [_name_list(languages[0]), _name_list(languages[1])]
    parts.append(struct.pack(">BI", 1 if first_kex_packet_follows else 0, reserved))
    return b"".join(parts)


def frame_packet(payload: bytes, *, padding: bytes | None = None) -> bytes:
    """Wrap a payload in an unencrypted binary packet (RFC 4253 §6), no MAC.

    Args:
        payload: the message, message number first.
        padding: explicit padding bytes (tests); by default the fewest random bytes, at least 4, that make
            the packet a multiple of 8 bytes.

    Returns:
        ``uint32 packet_length || byte padding_length || payload || padding``.
    """
    if padding is None:
        pad = BLOCK_SIZE - (5 + len(payload)) % BLOCK_SIZE
        if pad < MIN_PADDING:
            pad += BLOCK_SIZE
        padding = os.urandom(pad)
    return struct.pack(">IB", 1 + len(payload) + len(padding), len(padding)) + payload + padding


def parse_packet_header(header: bytes) -> int:
    """Validate the first five bytes of an unencrypted binary packet (RFC 4253 §6).

    Args:
        header: ``uint32 packet_length || byte padding_length`` (exactly 5 bytes).

    Returns:
        ``packet_length``: the bytes that follow the length field (padding_length, payload, padding).

    Raises:
        ProtocolError: ``packet_length`` over 35000 bytes, not a multiple of the block size, or a
            ``padding_length`` under 4 or leaving no room for a message number.
    """
    if len(header) != 5:
        raise ProtocolError(f"truncated packet header: {len(header)} of 5 bytes")
    length, padding = struct.unpack(">IB", header)
    if length > MAX_PACKET_LENGTH:
        raise ProtocolError(
            f"packet_length {length} exceeds {MAX_PACKET_LENGTH} bytes (RFC 4253 §6.1); "
            f"the server sent garbage or is not speaking SSH-2"
        )
    if (length + 4) % BLOCK_SIZE:
        raise ProtocolError(f"packet_length {length} is not block-aligned: packet_length + 4 must be a multiple of 8")
    if padding < MIN_PADDING:
        raise ProtocolError(f"padding_length {padding} is below the minimum of 4 bytes (RFC 4253 §6)")
    if padding + 2 > length:
        raise ProtocolError(f"padding_length {padding} leaves no payload in a packet of {length} bytes")
    return int(length)


def _disconnect_reason(payload: bytes) -> str:
    """Render an SSH_MSG_DISCONNECT (RFC 4253 §11.1) for an error message, tolerating truncation."""
    cur = _Cursor(payload, "DISCONNECT")
    try:
        cur.byte("message number")
        code = cur.uint32("reason code")
        text = cur.take(cur.uint32("description length"), "description")
    except ProtocolError:
        return "the server disconnected"
    label = _DISCONNECT_REASONS.get(code, f"reason {code}")
    return f"the server disconnected ({label}): {_printable(text, 120)!r}"


class ServerHelloReader:
    """Incremental reader of what a server sends first: optional lines, identification string, KEXINIT.

    Feed it bytes as they arrive from any transport (asyncio stream, blocking socket, Paramiko channel);
    it never does I/O. Lines before the identification string are bounded (RFC 4253 §4.2), as is the
    first binary packet (RFC 4253 §6.1); SSH_MSG_IGNORE and SSH_MSG_DEBUG packets before the KEXINIT
    are skipped.

    Attributes:
        banner: the identification string once read, else None.
        kexinit: the parsed KEXINIT once read, else None.
        payload: the raw KEXINIT payload (message number 20 first) once read, else None.
        pre_banner: the lines received before the identification string (for messages).
    """

    def __init__(self) -> None:
        self._buf = bytearray()
        self.banner: str | None = None
        self.kexinit: KexInit | None = None
        self.payload: bytes | None = None
        self.pre_banner: list[bytes] = []
        self._packets = 0
        self.received = 0
        """Bytes fed so far."""

    @property
    def done(self) -> bool:
        """True once the KEXINIT is parsed; later bytes are ignored."""
        return self.kexinit is not None

    @property
    def needs(self) -> int:
        """Bytes still missing before the next step can complete, at least 1 until :attr:`done`."""
        if self.done:
            return 0
        if self.banner is None or len(self._buf) < 5:
            return 1 if self.banner is None else 5 - len(self._buf)
        length: int = struct.unpack(">I", bytes(self._buf[:4]))[0]
        return max(1, 4 + length - len(self._buf))

    def feed(self, data: bytes) -> None:
        """Consume ``data``; parse as far as it goes.

        Raises:
            ProtocolError: an over-long or binary line, too many lines before the identification string,
                a bad identification string, a bad packet or KEXINIT, or an SSH_MSG_DISCONNECT.
        """
        if self.done or not data:
            return
        self.received += len(data)
        self._buf += data
        if self.banner is None:
            self._read_lines()
        if self.banner is not None:
            self._read_packets()

    def _read_lines(self) -> None:
        while self.banner is None:
            end = self._buf.find(b"\n")
            if end < 0:
                if len(self._buf) > MAX_LINE_BYTES:
                    self._fail_long_line()
                return
            line = bytes(self._buf[: end + 1])
            if len(line) > MAX_LINE_BYTES:
                self._fail_long_line()
            del self._buf[: end + 1]
            if line.startswith(b"SSH-"):
                self.banner = parse_identification(line)
                return
            if b"\0" in line:
                raise ProtocolError(
                    f"not an SSH server: binary data before the identification string: {_printable(line)!r}"
                )
            self.pre_banner.append(line)
            if len(self.pre_banner) > MAX_LINES_BEFORE_BANNER:
                raise ProtocolError(
                    f"not an SSH server: more than {MAX_LINES_BEFORE_BANNER} lines before the identification string "
                    f"(first: {_printable(self.pre_banner[0].rstrip())!r})"
                )

    def _fail_long_line(self) -> None:
        head = bytes(self._buf[:60])
        if head.startswith(b"SSH-"):
            raise ProtocolError(f"identification string longer than {MAX_LINE_BYTES} bytes (RFC 4253 §4.2)")
        raise ProtocolError(
            f"not an SSH server: a line longer than {MAX_LINE_BYTES} bytes before the identification string "
            f"({_printable(head)!r})"
        )

    def _read_packets(self) -> None:
        while not self.done and len(self._buf) >= 5:
            length = parse_packet_header(bytes(self._buf[:5]))
            if len(self._buf) < 4 + length:
                return
            padding = self._buf[4]
            payload = bytes(self._buf[5 : 4 + length - padding])
            del self._buf[: 4 + length]
            self._packets += 1
            msg = payload[0]
            if msg == SSH_MSG_KEXINIT:
                self.kexinit = parse_kexinit(payload)
                self.payload = payload
                self._buf.clear()
                return
            if msg == SSH_MSG_DISCONNECT:
                raise ProtocolError(_disconnect_reason(payload))
            if msg not in {SSH_MSG_IGNORE, SSH_MSG_DEBUG, SSH_MSG_UNIMPLEMENTED}:
                raise ProtocolError(f"expected SSH_MSG_KEXINIT (20) as the first message, got message {msg}")
            if self._packets > MAX_PACKETS_BEFORE_KEXINIT:
                raise ProtocolError(f"more than {MAX_PACKETS_BEFORE_KEXINIT} packets before the KEXINIT")

    def eof(self) -> None:
        """The peer closed the connection before :attr:`done`.

        Raises:
            ProtocolError: always, naming where the conversation stopped (a closed connection with
                nothing received is reported by the caller as unreachable, not through here).
        """
        if self.done:
            return
        if self.banner is None:
            if self.pre_banner:
                first = _printable(self.pre_banner[0].rstrip())
                raise ProtocolError(f"not an SSH server: it answered {first!r} and closed the connection")
            if self._buf:
                raise ProtocolError(
                    f"not an SSH server: it sent {_printable(bytes(self._buf))!r} and closed the connection"
                )
            raise ProtocolError("the server closed the connection before its identification string")
        if self._buf:
            raise ProtocolError(
                f"truncated packet: the server closed the connection after {len(self._buf)} bytes of its first packet"
            )
        raise ProtocolError("the server closed the connection after its identification string, before its KEXINIT")

"""The pure identification-string, packet and KEXINIT parsers (RFC 4253 §4.2, §6, §7.1)."""

from __future__ import annotations

import json
import struct
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from auditor.device_model import CATEGORIES, KexInit, Offered
from auditor.errors import ProtocolError
from auditor.probe.kexinit import (
    MAX_LINES_BEFORE_BANNER,
    PSEUDO_KEX,
    ServerHelloReader,
    build_kexinit,
    frame_packet,
    parse_identification,
    parse_kexinit,
    parse_packet_header,
)
from tests import servers

FIXTURES = Path(__file__).resolve().parents[3] / "fixtures" / "kexinit"
INDEX: dict[str, dict[str, str]] = json.loads((FIXTURES / "index.json").read_text(encoding="utf-8"))
CAPTURES = sorted(INDEX)

SAMPLE = Offered(
    kex=("curve25519-sha256", "diffie-hellman-group14-sha1", "kex-strict-s-v00@openssh.com"),
    host_key=("ssh-ed25519", "ssh-rsa"),
    cipher_c2s=("aes128-ctr",),
    cipher_s2c=("aes256-ctr", "aes128-ctr"),
    mac_c2s=("hmac-sha2-256",),
    mac_s2c=("hmac-sha1",),
    compression_c2s=("none",),
    compression_s2c=("none", "zlib@openssh.com"),
)

HOST_KEY_ALGORITHMS = {
    "rsa": ("ssh-rsa", "rsa-sha2-256", "rsa-sha2-512"),
    "ecdsa": ("ecdsa-sha2-nistp256",),
    "ed25519": ("ssh-ed25519",),
    "dsa": ("ssh-dss",),
}


def payload(name: str) -> bytes:
    return (FIXTURES / f"{name}.bin").read_bytes()


# --------------------------------------------------------------------------- captured payloads


@pytest.mark.parametrize("name", CAPTURES)
def test_captured_payload_round_trips(name: str) -> None:
    raw = payload(name)
    kexinit = parse_kexinit(raw)
    rebuilt = build_kexinit(
        kexinit.offered,
        kexinit.cookie,
        languages=(kexinit.languages_c2s, kexinit.languages_s2c),
        first_kex_packet_follows=kexinit.first_kex_packet_follows,
        reserved=kexinit.reserved,
    )
    assert rebuilt == raw
    assert kexinit.strict_kex, "OpenSSH 9.2 and dropbear 2022.83 always advertise strict kex"
    assert all(getattr(kexinit.offered, c) for c in CATEGORIES)


@pytest.mark.parametrize("name", [n for n in CAPTURES if INDEX[n]["server"] == "sshd"])
def test_captured_lists_are_the_configured_profile(name: str) -> None:
    """The payload carries exactly the lists the profile's sshd_config fragment asked for, in that order."""
    profile = servers.load_profile(INDEX[name]["profile"])
    config = dict(line.split(None, 1) for line in profile.config)
    offered = parse_kexinit(payload(name)).offered
    if "KexAlgorithms" not in config:
        assert "curve25519-sha256" in offered.kex  # OpenSSH's own defaults
        return
    assert [k for k in offered.kex if k not in PSEUDO_KEX] == config["KexAlgorithms"].split(",")
    # sshd offers a host-key algorithm only when it holds a key of that type (the lab makes 256-bit ECDSA keys),
    # in the order of its HostKey lines rather than of HostKeyAlgorithms.
    servable = {h for key_type in profile.key_types for h in HOST_KEY_ALGORITHMS[key_type]}
    assert sorted(offered.host_key) == sorted(h for h in config["HostKeyAlgorithms"].split(",") if h in servable)
    assert list(offered.cipher_c2s) == list(offered.cipher_s2c) == config["Ciphers"].split(",")
    assert list(offered.mac_c2s) == list(offered.mac_s2c) == config["MACs"].split(",")


def test_dropbear_capture_keeps_its_markers() -> None:
    kexinit = parse_kexinit(payload("dropbear_2022_83_rsa"))
    assert "kexguess2@matt.ucc.asn.au" in kexinit.offered.kex
    assert kexinit.offered.host_key == ("rsa-sha2-256", "ssh-rsa")
    assert not kexinit.ext_info


@pytest.mark.parametrize("name", CAPTURES)
def test_every_truncation_is_a_protocol_error(name: str) -> None:
    raw = payload(name)
    # The last 5 bytes are first_kex_packet_follows and reserved; every shorter prefix must fail cleanly.
    for end in range(len(raw) - 1):
        with pytest.raises(ProtocolError):
            parse_kexinit(raw[:end])


# --------------------------------------------------------------------------- identification string


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (b"SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u10\r\n", "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u10"),
        (b"SSH-2.0-Cisco-1.25\r\n", "SSH-2.0-Cisco-1.25"),
        (b"SSH-1.99-Cisco-1.25\r\n", "SSH-1.99-Cisco-1.25"),
        (b"SSH-2.0-dropbear_2022.83\n", "SSH-2.0-dropbear_2022.83"),
        (b"SSH-2.0-ROSSSH", "SSH-2.0-ROSSSH"),
        # What OpenSSH and Paramiko both accept: UTF-8 in the comment (or anywhere), a bare LF.
        ("SSH-2.0-OpenSSH_8.0 Grüße\r\n".encode(), "SSH-2.0-OpenSSH_8.0 Grüße"),
        ("SSH-2.0-OpenSSH_8.0 Grüße\n".encode(), "SSH-2.0-OpenSSH_8.0 Grüße"),
        ("SSH-2.0-café\r\n".encode(), "SSH-2.0-café"),
        # Control characters are accepted too, but never handed on raw to a report or a terminal.
        (b"SSH-2.0-a\x07b\r\n", "SSH-2.0-a\\x07b"),
        (b"SSH-2.0-x \x1b[31mred\r\n", "SSH-2.0-x \\x1b[31mred"),
    ],
)
def test_identification_accepted(line: bytes, expected: str) -> None:
    assert parse_identification(line) == expected


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        (b"SSH-1.5-OpenSSH_2.0\r\n", "SSH-1 only"),
        (b"SSH-1.0-old\r\n", "SSH-1 only"),
        (b"SSH-3.0-future\r\n", "unsupported SSH protocol version"),
        (b"HTTP/1.1 400 Bad Request\r\n", "not an SSH server"),
        (b"SSH-2.0\r\n", "malformed identification string"),
        (b"SSH-2.0-caf\xe9\r\n", "not UTF-8"),  # Latin-1: Paramiko cannot decode it
        (b"SSH-2.0-a\x00b\r\n", "NUL or a stray CR"),  # OpenSSH refuses a NUL ...
        (b"SSH-2.0-a\rb\r\n", "NUL or a stray CR"),  # ... and a CR not followed by LF
        (b"SSH-2.0-" + b"x" * 250 + b"\r\n", "longer than 255"),
    ],
)
def test_identification_rejected(line: bytes, reason: str) -> None:
    with pytest.raises(ProtocolError, match=reason):
        parse_identification(line)


# --------------------------------------------------------------------------- KEXINIT fields


def test_build_and_parse_are_inverse() -> None:
    raw = build_kexinit(SAMPLE, b"C" * 16, first_kex_packet_follows=True, reserved=7)
    parsed = parse_kexinit(raw)
    assert parsed == KexInit(
        cookie=b"C" * 16,
        offered=SAMPLE,
        languages_c2s=(),
        languages_s2c=(),
        first_kex_packet_follows=True,
        reserved=7,
    )
    assert parsed.strict_kex
    assert not parsed.ext_info


def _with_list(index: int, raw_list: bytes) -> bytes:
    """SAMPLE's KEXINIT with name-list number ``index`` replaced by ``raw_list``."""
    lists = [",".join(getattr(SAMPLE, c)).encode() for c in CATEGORIES] + [b"", b""]
    lists[index] = raw_list
    body = b"".join(struct.pack(">I", len(x)) + x for x in lists)
    return b"\x14" + b"C" * 16 + body + b"\x00\x00\x00\x00\x00"


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"\x15" + b"C" * 16, "expected SSH_MSG_KEXINIT"),
        (b"", "truncated KEXINIT"),
        (_with_list(0, b""), "kex name-list is empty"),
        (_with_list(0, b"kex-strict-s-v00@openssh.com,ext-info-s"), "kex name-list is empty"),
        (_with_list(1, b""), "host_key name-list is empty"),
        (_with_list(7, b""), "compression_s2c name-list is empty"),
        (_with_list(2, b"aes128-ctr,,aes256-ctr"), "empty name"),
        (_with_list(4, b"hmac sha1"), "blanks or control characters"),
        (_with_list(3, "aes\u00e9".encode()), "not US-ASCII"),
        (_with_list(0, b"x")[:-3], "truncated KEXINIT"),
    ],
)
def test_bad_kexinit(raw: bytes, reason: str) -> None:
    with pytest.raises(ProtocolError, match=reason):
        parse_kexinit(raw)


def test_languages_and_trailing_bytes() -> None:
    raw = build_kexinit(SAMPLE, b"\0" * 16, languages=(("en",), ("en", "de")))
    parsed = parse_kexinit(raw + b"future extension")
    assert parsed.languages_c2s == ("en",)
    assert parsed.languages_s2c == ("en", "de")


# --------------------------------------------------------------------------- packets


@pytest.mark.parametrize(
    ("header", "reason"),
    [
        (struct.pack(">IB", 2**31, 4), "exceeds 35000"),
        (struct.pack(">IB", 35004 + 8, 4), "exceeds 35000"),
        (struct.pack(">IB", 13, 4), "not block-aligned"),
        (struct.pack(">IB", 12, 3), "below the minimum"),
        (struct.pack(">IB", 12, 11), "leaves no payload"),
        (b"\x00\x00", "truncated packet header"),
    ],
)
def test_bad_packet_header(header: bytes, reason: str) -> None:
    with pytest.raises(ProtocolError, match=reason):
        parse_packet_header(header)


def test_packet_header_accepts_the_largest_allowed() -> None:
    assert parse_packet_header(struct.pack(">IB", 35000 - 4, 4)) == 34996


# --------------------------------------------------------------------------- incremental reader

BANNER = b"SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u10\r\n"


def _conversation(name: str = "cisco_ios15_classic") -> bytes:
    return BANNER + frame_packet(payload(name)) + b"\x00" * 40


def test_reader_whole_and_byte_by_byte_agree() -> None:
    whole = ServerHelloReader()
    whole.feed(_conversation())
    assert whole.done
    slow = ServerHelloReader()
    for byte in _conversation():
        slow.feed(bytes([byte]))
        assert slow.needs >= (0 if slow.done else 1)
    assert slow.banner == whole.banner == BANNER.decode().strip()
    assert slow.payload == whole.payload == payload("cisco_ios15_classic")
    assert slow.kexinit == whole.kexinit


def test_reader_skips_lines_before_the_banner_and_ignore_packets() -> None:
    reader = ServerHelloReader()
    ignore = frame_packet(b"\x02" + struct.pack(">I", 3) + b"abc")
    debug = frame_packet(b"\x04\x00" + struct.pack(">I", 0) + struct.pack(">I", 0))
    reader.feed(b"Welcome to the lab\r\nauthorized use only\n" + BANNER + ignore + debug)
    assert reader.banner is not None
    assert reader.needs > 0
    assert reader.pre_banner == [b"Welcome to the lab\r\n", b"authorized use only\n"]
    reader.feed(frame_packet(payload("dss_only")))
    assert reader.done
    assert reader.kexinit is not None
    assert reader.kexinit.offered.host_key == ("ssh-dss",)


def _disconnect(text: bytes) -> bytes:
    return frame_packet(b"\x01" + struct.pack(">I", 12) + struct.pack(">I", len(text)) + text + b"\0\0\0\0")


@pytest.mark.parametrize(
    ("stream", "reason"),
    [
        (b"hello\r\n" * (MAX_LINES_BEFORE_BANNER + 1), "more than 32 lines"),
        (b"x" * 300, "longer than 255 bytes before the identification string"),
        (b"SSH-2.0-" + b"y" * 300, "identification string longer than 255"),
        (b"\x00\x01binary\n", "binary data"),
        (b"SSH-1.5-Cisco-1.25\r\n", "SSH-1 only"),
        (BANNER + _disconnect(b"too many sessions"), "too many connections"),
        (BANNER + frame_packet(b"\x15"), "got message 21"),
        (BANNER + struct.pack(">IB", 0x7FFFFFFF, 4), "exceeds 35000"),
        (BANNER + frame_packet(b"\x02") * 9, "more than 8 packets"),
        (BANNER + frame_packet(b"\x14" + b"C" * 16 + b"\x00\x00\x01\x00"), "truncated KEXINIT"),
    ],
)
def test_reader_rejects(stream: bytes, reason: str) -> None:
    reader = ServerHelloReader()
    with pytest.raises(ProtocolError, match=reason):
        reader.feed(stream)


@pytest.mark.parametrize(
    ("stream", "reason"),
    [
        (b"", "before its identification string"),
        (b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n", "answered 'HTTP/1.1 400 Bad Request'"),
        (b"<html>", "sent '<html>'"),
        (BANNER, "after its identification string, before its KEXINIT"),
        (BANNER + frame_packet(payload("dss_only"))[:100], "truncated packet"),
    ],
)
def test_reader_eof(stream: bytes, reason: str) -> None:
    reader = ServerHelloReader()
    reader.feed(stream)
    with pytest.raises(ProtocolError, match=reason):
        reader.eof()


def test_reader_ignores_bytes_after_done() -> None:
    reader = ServerHelloReader()
    reader.feed(_conversation())
    reader.feed(b"anything at all")
    reader.eof()
    assert reader.needs == 0


# --------------------------------------------------------------------------- properties

names = st.text(
    alphabet=st.characters(min_codepoint=33, max_codepoint=126, exclude_characters=","), min_size=1, max_size=20
)
name_lists = st.lists(names, min_size=1, max_size=5).map(tuple)


@given(st.binary(max_size=2048))
@settings(max_examples=500, deadline=None)
def test_parse_kexinit_never_raises_anything_else(data: bytes) -> None:
    try:
        result = parse_kexinit(data)
    except ProtocolError as exc:
        assert exc.message
    else:
        assert isinstance(result, KexInit)


@given(st.binary(max_size=512), st.binary(max_size=2048), st.integers(min_value=1, max_value=64))
@settings(max_examples=500, deadline=None)
def test_reader_never_raises_anything_else(head: bytes, tail: bytes, chunk: int) -> None:
    """Arbitrary bytes, with and without a valid identification string first, fed in arbitrary chunks."""
    for stream in (head + tail, BANNER + tail, BANNER + struct.pack(">IB", len(tail) + 1, 4) + tail):
        reader = ServerHelloReader()
        try:
            for start in range(0, len(stream), chunk):
                reader.feed(stream[start : start + chunk])
            reader.eof()
        except ProtocolError as exc:
            assert exc.message
        assert reader.done == (reader.kexinit is not None)


@given(st.builds(Offered, *[name_lists for _ in CATEGORIES]), st.binary(min_size=16, max_size=16), st.booleans())
@settings(max_examples=200, deadline=None)
def test_build_parse_round_trip(offered: Offered, cookie: bytes, follows: bool) -> None:
    # Every category needs one real name: a list of only markers (ext-info-c, strict kex) negotiates nothing.
    real = all(any(name not in PSEUDO_KEX for name in getattr(offered, c)) for c in CATEGORIES)
    raw = build_kexinit(offered, cookie, first_kex_packet_follows=follows)
    if not real:
        with pytest.raises(ProtocolError):
            parse_kexinit(raw)
        return
    parsed = parse_kexinit(raw)
    assert parsed.offered == offered
    assert parsed.cookie == cookie
    assert parsed.first_kex_packet_follows is follows
    reader = ServerHelloReader()
    reader.feed(BANNER + frame_packet(raw))
    assert reader.payload == raw

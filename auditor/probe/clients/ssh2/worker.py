"""One real libssh2 handshake through ssh2-python, run by the interpreter of that release's environment.

This file is executed as a script (``python worker.py JOB``) by a *foreign* interpreter (Python 3.8+,
ssh2-python 0.26.0 to the newest): it imports only the standard library and ssh2, never ``auditor``.

JOB is one JSON object: ``{"host": STR, "port": INT, "timeout": SECONDS}``.

It does what scrapli's ``ssh2`` transport does before authenticating: a TCP connection, then
``Session.handshake(sock)``, in which libssh2 runs the whole key exchange (RFC 4253 §7-8). No credentials
are ever sent.

stdout: one JSON line ``{"ssh2": VERSION, "connected": BOOL, "error": STR | null, "negotiated": {...} | null,
"host_key_type": STR | null, "host_key_base64": STR | null}``; ``negotiated`` from ``Session.methods``.
"""

from __future__ import annotations

import base64
import contextlib
import importlib
import json
import socket
import sys

_METHODS = {
    "kex": "LIBSSH2_METHOD_KEX",
    "host_key": "LIBSSH2_METHOD_HOSTKEY",
    "cipher": "LIBSSH2_METHOD_CRYPT_CS",
    "mac": "LIBSSH2_METHOD_MAC_CS",
    "compression": "LIBSSH2_METHOD_COMP_CS",
}


def _text(value: object) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def main() -> int:
    """Run the handshake described by ``sys.argv[1]``; print the outcome line. Exit 0 unless the job is bad."""
    job = json.loads(sys.argv[1])
    # Imported by name: this script runs only in the release's environment, never in ours.
    ssh2 = importlib.import_module("ssh2")
    module = importlib.import_module("ssh2.session")
    out = {"ssh2": ssh2.__version__, "connected": False, "error": None, "negotiated": None}
    try:
        sock = socket.create_connection((job["host"], int(job["port"])), timeout=float(job["timeout"]))
    except OSError as exc:
        out["error"] = "connect: " + (exc.strerror or type(exc).__name__)
        sys.stdout.write(json.dumps(out, sort_keys=True) + "\n")
        return 0
    session = module.Session()
    session.set_timeout(int(float(job["timeout"]) * 1000))
    try:
        session.handshake(sock)
        out["connected"] = True
        out["negotiated"] = {k: _text(session.methods(getattr(module, v))) for k, v in _METHODS.items()}
        with contextlib.suppress(Exception):
            key, key_type = session.hostkey()
            out["host_key_base64"] = base64.b64encode(key).decode("ascii")
            out["host_key_type"] = key_type
    except Exception as exc:
        detail = ""
        with contextlib.suppress(Exception):
            detail = _text(session.last_error())
        out["error"] = f"{type(exc).__name__}: {detail or _text(exc) or 'no message'}"
    finally:
        with contextlib.suppress(Exception):
            sock.close()
    sys.stdout.write(json.dumps(out, sort_keys=True) + "\n")
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())

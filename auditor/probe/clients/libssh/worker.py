"""One real libssh handshake through ansible-pylibssh, run by the interpreter of that release's environment.

This file is executed as a script (``python worker.py JOB``) by a *foreign* interpreter (Python 3.7+,
ansible-pylibssh 0.1.0 to the newest): it imports only the standard library and pylibsshext, never
``auditor``, and uses no syntax newer than Python 3.7.

JOB is one JSON object: ``{"host": STR, "port": INT, "timeout": SECONDS, "knownhosts": PATH,
"key_exchange_algorithms": STR | null, "hostkeys": STR | null, "proxycommand": STR | null}``.

It does what Ansible's ``libssh`` connection does, without credentials: ``Session.connect`` with
``look_for_keys=False`` and no password, against a throwaway known_hosts with host key checking off.
libssh runs the whole key exchange (RFC 4253 §7-8) inside ``ssh_connect``; authentication comes
after it and fails, which means the key exchange completed.

stdout: one JSON line ``{"pylibssh": VERSION, "connected": BOOL, "error": STR | null}``: ``connected``
is true when ``ssh_connect`` itself succeeded (authentication may then fail, ``error`` says how).
stderr: libssh's own log at trace level (``ssh_kex_select_methods: Negotiated ...``, the server banner),
which :mod:`auditor.probe.clients.libssh.verify` reads.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import logging
import sys

_CONNECT_FAILED = "ssh connect failed"
"""The words pylibssh puts before every failure of ``ssh_connect`` itself (before authentication)."""


def _trace(session: object) -> None:
    """Send libssh's log at trace level to stderr, in every pylibssh release.

    From 1.4.0 libssh's log goes through Python's ``logging`` (logger ``ansible-pylibssh``, trace level
    set by ``Session()``); before, ``set_log_level(logging.CRITICAL)`` maps to ``SSH_LOG_TRACE`` and
    libssh writes to stderr itself.
    """
    logging.basicConfig(stream=sys.stderr, level=1, format="%(message)s")
    try:
        importlib.import_module("pylibsshext.logging")  # present from 1.4.0 on
    except ImportError:
        setter = getattr(session, "set_log_level", None)
        if setter is not None:
            # An older map without that level: no log, the status still holds.
            with contextlib.suppress(Exception):
                setter(logging.CRITICAL)


def main() -> int:
    """Run the handshake described by ``sys.argv[1]``; print the outcome line. Exit 0 unless the job is bad."""
    job = json.loads(sys.argv[1])
    # Imported by name: this script runs only in the release's environment, never in ours.
    pylibsshext = importlib.import_module("pylibsshext")
    session = importlib.import_module("pylibsshext.session").Session()
    _trace(session)
    kwargs = {
        "host": job["host"],
        "port": int(job["port"]),
        "user": "sshdrift",
        "timeout": max(1, round(float(job["timeout"]))),
        "host_key_checking": False,
        "look_for_keys": False,
        "knownhosts": job["knownhosts"],
    }
    for option in ("key_exchange_algorithms", "hostkeys", "proxycommand"):
        if job.get(option):
            kwargs[option] = job[option]
    out = {"pylibssh": pylibsshext.__version__, "connected": False, "error": None}
    try:
        session.connect(**kwargs)
        out["connected"] = True
    except Exception as exc:
        message = str(exc).strip() or type(exc).__name__
        out["error"] = message
        out["connected"] = not message.startswith(_CONNECT_FAILED)
    finally:
        with contextlib.suppress(Exception):  # closing is best effort
            session.close()
    sys.stderr.flush()
    sys.stdout.write(json.dumps(out, sort_keys=True) + "\n")
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())

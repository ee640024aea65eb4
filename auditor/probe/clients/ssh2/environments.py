"""Python environments holding the ssh2-python release (and so the libssh2) a verification must run.

The release to judge comes from :class:`~auditor.probe.clients.interface.EnvironmentRequest`:

* ``installed``: the interpreter ``request.python`` (default the running one) and the ssh2-python it imports;
* ``locked``: the ``ssh2-python`` pin of the lockfile of ``request.project``;
* ``X.Y.Z``: any release with offer data.

Cached environments are made with uv (``uv venv`` + ``uv pip install --only-binary :all:``: the
release's own wheel, whose bundled libssh2 is what we judge; building from source would link the
machine's libssh2 instead), one per release, under ``$SSHDRIFT_CACHE_DIR/envs/ssh2-X.Y.Z``, on the
Python the offer data was captured with (releases before 1.0.0 have no wheels for Python 3.11). Each
is built in a temporary directory beside its final place and renamed into place when complete.
"""

from __future__ import annotations

from auditor.probe.clients import environments as shared
from auditor.probe.clients.ssh2 import offers

CLIENT = "ssh2"
"""The registry name of this client."""

MARKER = shared.MARKER
"""File written last into a finished environment: ``{"ssh2-python": V, "libssh2": V, "python": ...}``."""

_VERSION_SCRIPT = (
    "import json, ssh2; from ssh2.utils import version; v = version();"
    "v = v.decode() if isinstance(v, bytes) else str(v);"
    "print(json.dumps({'ssh2-python': ssh2.__version__, 'libssh2': v}))"
)
"""Run by a foreign interpreter: the ssh2-python release and the libssh2 it was built with."""

ENVIRONMENTS = shared.WheelClientEnvironments(
    client=CLIENT,
    package=offers.PACKAGE,
    library="libssh2",
    module="ssh2",
    version_script=_VERSION_SCRIPT,
    example="1.2.0.post1",
    name_release="--client ssh2",
    release=offers.release,
    library_version=offers.libssh2_version,
)
"""The ssh2-python environments; the functions below are its methods."""

resolve = ENVIRONMENTS.resolve
locked_version = ENVIRONMENTS.locked_version
installed_versions = ENVIRONMENTS.installed_versions
environment_path = ENVIRONMENTS.environment_path
python_for = ENVIRONMENTS.python_for
ensure_environment = ENVIRONMENTS.ensure_environment

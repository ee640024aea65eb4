"""Python environments holding the ansible-pylibssh release (and so the libssh) a verification must run.

The release to judge comes from :class:`~auditor.probe.clients.interface.EnvironmentRequest`:

* ``installed``: the interpreter ``request.python`` (default the running one) and the pylibssh it imports;
* ``locked``: the ``ansible-pylibssh`` pin of the lockfile of ``request.project``;
* ``X.Y.Z``: any release with offer data.

Cached environments are made with uv (``uv venv`` + ``uv pip install --only-binary :all:``: the
release's own wheel, whose bundled libssh is what we judge; building from source would link the
machine's libssh instead), one per release, under ``$SSHDRIFT_CACHE_DIR/envs/libssh-X.Y.Z``, on the
Python the offer data was captured with (releases before 1.1.0 have no wheels for Python 3.11). Each
is built in a temporary directory beside its final place and renamed into place when complete.
"""

from __future__ import annotations

from auditor.probe.clients import environments as shared
from auditor.probe.clients.libssh import offers

CLIENT = "libssh"
"""The registry name of this client."""

MARKER = shared.MARKER
"""File written last into a finished environment: ``{"ansible-pylibssh": V, "libssh": V, "python": ...}``."""

_VERSION_SCRIPT = (
    "import json, re, pylibsshext as p; full = getattr(p, '__full_version__', '');"
    "m = re.search(r'libssh v?([0-9][0-9.]*[0-9])', full);"
    "print(json.dumps({'ansible-pylibssh': p.__version__, 'libssh': m.group(1) if m else None}))"
)
"""Run by a foreign interpreter: the pylibssh release and the libssh it was built with."""

ENVIRONMENTS = shared.WheelClientEnvironments(
    client=CLIENT,
    package=offers.PACKAGE,
    library="libssh",
    module="pylibsshext",
    version_script=_VERSION_SCRIPT,
    example="1.4.0",
    name_release="--client libssh=X.Y.Z",
    release=offers.release,
    library_version=offers.libssh_version,
)
"""The ansible-pylibssh environments; the functions below are its methods."""

resolve = ENVIRONMENTS.resolve
locked_version = ENVIRONMENTS.locked_version
installed_versions = ENVIRONMENTS.installed_versions
environment_path = ENVIRONMENTS.environment_path
python_for = ENVIRONMENTS.python_for
ensure_environment = ENVIRONMENTS.ensure_environment

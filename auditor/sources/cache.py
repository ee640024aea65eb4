"""sshdrift's cache root, shared by client environments, the vulnerability service and the requires-dist cache."""

from __future__ import annotations

import os
from pathlib import Path


def cache_dir() -> Path:
    """Root of sshdrift's cache: ``$SSHDRIFT_CACHE_DIR`` or platformdirs' user cache dir for ``sshdrift``."""
    configured = os.environ.get("SSHDRIFT_CACHE_DIR")
    if configured:
        return Path(configured).expanduser()
    import platformdirs

    return Path(platformdirs.user_cache_dir("sshdrift"))

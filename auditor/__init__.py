"""sshdrift: SSH-stack drift audit for network-automation projects.

The package is named ``auditor``; the distribution and the command are ``sshdrift``.
Flow: ``sources`` → ``probe`` → ``checks`` → ``engine`` → ``formats`` → ``cli``.
"""

from __future__ import annotations

__all__ = ["__version__"]

__version__ = "0.3.0"

"""The device rules and what only they use (remediation advice, fleet prediction): they judge device results.

Every :class:`~auditor.checks.interface.Rule` subclass of a module here is a device rule, discovered by
:func:`auditor.checks.registry.device_rules`. They bring in the probe stack (offers, negotiation, platforms),
so this package is imported only by a run with devices, never by the pre-commit hook's ``lock``.
"""

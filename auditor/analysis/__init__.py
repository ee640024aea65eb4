"""Analysis the engine shares between commands: the steps that compose sources, probe and rules.

One module per question, in the field's words: :mod:`~auditor.analysis.lock` (lockfile →
declared constraints → effective ranges → lock findings), :mod:`~auditor.analysis.devices` (the
devices a probe or audit run covers), :mod:`~auditor.analysis.device_bound` (the upper bound that
keeps every device reachable), :mod:`~auditor.analysis.fix` (caps where the lockfile's format
reads them), :mod:`~auditor.analysis.drift` and :mod:`~auditor.analysis.changes` (fresh resolutions
against the lock). Nothing here prints, exits or builds a :class:`~auditor.model.Report`:
the engine does, and commands only call the engine.
"""

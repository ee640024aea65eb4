"""The one registry of rules, found rather than listed, and the one call the engine makes: :func:`run_rules`.

Adding a rule touches its module only: one :class:`~auditor.checks.interface.Rule` subclass setting
``order`` (its place in README order) and ``entry``, in a module of ``auditor/checks/``, or of
``auditor/checks/device_rules/`` for a rule judging device results only. :func:`discover` imports the
package's modules and makes one instance of every concrete subclass defined there; the README rule table,
SARIF's ``tool.driver.rules`` and the help URIs follow from it (:mod:`auditor.checks.catalog`).
"""

from __future__ import annotations

import functools
import importlib
import inspect
import pkgutil
from collections.abc import Collection, Iterator, Sequence
from types import ModuleType
from typing import TYPE_CHECKING, overload

from auditor.checks.accepted_risk import apply_accepted_risks
from auditor.checks.context import RuleContext
from auditor.checks.interface import Rule
from auditor.model import Finding

PACKAGE = "auditor.checks"
"""The rules over the project (lockfile, changes, settings, records): every run has them."""
DEVICE_PACKAGE = "auditor.checks.device_rules"
"""The device rules: they judge device results only and import the probe stack, so a run without devices loads none."""
NOT_RULES = frozenset({"registry", "catalog"})
"""Modules of :data:`PACKAGE` :func:`lock_rules` does not import: this one, and the catalog built from it."""


def discover(package: str, skip: Collection[str] = ()) -> tuple[Rule, ...]:
    """One instance of every concrete :class:`Rule` subclass defined in a module of ``package``, by ``order``.

    Args:
        package: a dotted package name (:data:`PACKAGE`); its subpackages are not searched.
        skip: names of its modules (last component) not to import.

    Returns:
        The rules sorted by :attr:`Rule.order`. A class counts where it is defined, not where it is
        imported; an abstract class or one without an ``entry`` (a shared base) is no rule.

    Raises:
        ImportError: a module of ``package`` that does not import (a bug, caught by the tests).
    """
    root = importlib.import_module(package)
    rules: list[Rule] = []
    for info in pkgutil.iter_modules(root.__path__):
        if info.ispkg or info.name in skip:
            continue
        module = importlib.import_module(f"{package}.{info.name}")
        rules.extend(cls() for cls in vars(module).values() if _is_rule(cls, module))
    return tuple(sorted(rules, key=lambda rule: rule.order))


def _is_rule(obj: object, module: ModuleType) -> bool:
    return (
        isinstance(obj, type)
        and issubclass(obj, Rule)
        and obj.__module__ == module.__name__
        and not inspect.isabstract(obj)
        and hasattr(obj, "entry")
    )


# Start-up: found on import, so their modules load with the rest while auditor.__main__ pauses the collector.
_LOCK_RULES = discover(PACKAGE, NOT_RULES)


def lock_rules() -> tuple[Rule, ...]:
    """The rules of :data:`PACKAGE`, in README order, without importing any device rule."""
    return _LOCK_RULES


@functools.cache
def device_rules() -> tuple[Rule, ...]:
    """The device rules (:data:`DEVICE_PACKAGE`), in README order (imported on first call)."""
    return discover(DEVICE_PACKAGE)


def all_rules() -> tuple[Rule, ...]:
    """Every rule, in README order (:attr:`Rule.order`); ids are unique (a test checks). Imports the device rules."""
    return tuple(sorted((*lock_rules(), *device_rules()), key=lambda rule: rule.order))


class RuleIds(Sequence[str]):
    """Every rule id in README order, importing the device rules only when asked about an id the others lack.

    ``rule in ids`` looks among :func:`lock_rules` first, so a lock run whose ``--ignore`` and
    ``[[tool.sshdrift.ignore]]`` entries name only those ids loads no device rule; iterating (the list
    an error message shows) and indexing see :func:`all_rules`.
    """

    def __contains__(self, value: object) -> bool:
        """Whether ``value`` is a rule id; imports the device rules only when no other rule has it."""
        return any(rule.id == value for rule in lock_rules()) or any(rule.id == value for rule in device_rules())

    def _ids(self) -> tuple[str, ...]:
        return tuple(rule.id for rule in all_rules())

    def __len__(self) -> int:
        """The number of rules."""
        return len(self._ids())

    def __iter__(self) -> Iterator[str]:
        """The ids in README order."""
        return iter(self._ids())

    @overload
    def __getitem__(self, index: int) -> str: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[str]: ...
    def __getitem__(self, index: int | slice) -> str | Sequence[str]:
        """The id (or ids) at ``index`` in README order."""
        return self._ids()[index]


def rule_ids() -> RuleIds:
    """Every rule id, in README order, as a :class:`RuleIds` (device rules imported only when needed)."""
    return RuleIds()


if TYPE_CHECKING:
    RULES: tuple[Rule, ...]
    """Every rule, in README order (:func:`all_rules`)."""


def __getattr__(name: str) -> tuple[Rule, ...]:
    """``RULES``: :func:`all_rules`, built on first use (PEP 562), so importing the registry loads no device rule."""
    if name == "RULES":
        return all_rules()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def sort_key(finding: Finding) -> tuple[int, str, str, str]:
    """The report order: severity (error first), then rule id, package and device."""
    return (-finding.severity.rank, finding.rule, finding.package or "", finding.device or "")


def run_rules(context: RuleContext) -> list[Finding]:
    """Every registered rule's findings for ``context``, accepted risks applied, in report order.

    Args:
        context: built by :func:`auditor.analysis.rule_context.build_context` (or
            :func:`~auditor.analysis.rule_context.lock_context` for the lock rules alone).

    Returns:
        The findings sorted by :func:`sort_key` (stable: a rule's own order is kept within a key);
        findings an accepted risk matches carry ``ignored``, and ``accepted-risk`` notes say which
        entries expired or matched nothing.
    """
    # A device rule finds nothing and has not run without devices: a run without them loads none.
    rules = all_rules() if context.devices else lock_rules()
    findings = [finding for rule in rules for finding in rule.find(context)]
    findings = apply_accepted_risks(findings, context, rules)
    findings.sort(key=sort_key)
    return findings

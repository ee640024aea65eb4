"""The one interface every rule implements: :class:`Rule`, with its :class:`CatalogEntry`.

deptry's violations are the model (STYLE.md §15): a rule is a small class with a stable id, the
documentation a user reads (README rule table, SARIF ``tool.driver.rules``), its severity policy
and a finder. A rule never reads a file, the network or a cache: :meth:`Rule.find` gets a
:class:`~auditor.checks.context.RuleContext` the engine built, and returns findings.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

if TYPE_CHECKING:
    from auditor.checks.context import RuleContext
    from auditor.device_model import DeviceResult
    from auditor.model import Finding

DOCS_URL = "https://github.com/sshdrift/sshdrift"
"""Base URL of the project's README; rule help URIs are anchors into its rule table."""


@dataclass(frozen=True)
class CatalogEntry:
    """The documentation of one rule, written once: README table, SARIF rule descriptor, help URI."""

    id: str
    """Stable rule id, e.g. ``open-ended-range`` (DESIGN.md)."""
    name: str
    """PascalCase name (SARIF ``reportingDescriptor.name``)."""
    short: str
    """One sentence: what the rule reports."""
    full: str
    """Why it matters and what to do, in a few sentences."""
    example: str
    """A message as the rule prints it."""
    default_severity: str
    """``error`` | ``warning`` | ``note``: the usual severity (SARIF ``defaultConfiguration.level``)."""
    severity_policy: str = ""
    """When the rule reports another severity than the default, in one sentence ("" when never)."""

    @property
    def anchor(self) -> str:
        """The README heading anchor of this rule, ``rule-<id>``."""
        return f"rule-{self.id}"

    @property
    def help_uri(self) -> str:
        """Absolute URL of this rule's entry in the README rule table."""
        return f"{DOCS_URL}#{self.anchor}"


class Rule(ABC):
    """One rule: a catalog entry and a pure finder.

    Subclasses set :attr:`order` and :attr:`entry` and implement :meth:`find`; the registry
    (:mod:`auditor.checks.registry`) finds every concrete subclass in its package and makes one instance.
    """

    order: ClassVar[int]
    """The rule's place in the README table, SARIF's rule list and the run (ascending; unique, a test checks).
    Numbered in tens so that a new rule fits between two without renumbering."""

    entry: ClassVar[CatalogEntry]
    """The rule's documentation (id, texts, default severity and severity policy)."""

    @property
    def id(self) -> str:
        """The stable rule id (``entry.id``)."""
        return self.entry.id

    def ran(self, context: RuleContext) -> bool:
        """Whether ``context`` holds what this rule judges (devices for a device rule); True by default.

        An accepted risk of a rule that had nothing to judge is not reported as matching nothing.
        """
        return True

    @abstractmethod
    def find(self, context: RuleContext) -> list[Finding]:
        """The rule's findings for ``context``, every one with ``rule == self.id``.

        Args:
            context: everything the engine read and fetched for this run; a rule uses only what it
                needs and returns ``[]`` when its inputs are absent (no devices, no vulnerability records).

        Returns:
            Findings in the rule's own order; the registry sorts the union. Never raises for bad input:
            the engine's readers already turned that into an :class:`~auditor.errors.AuditorError`.
        """


class DeviceRule(Rule):
    """A rule judged one device result at a time (``incompatible-device``, ``terrapin-exposed``, ...).

    Subclasses implement :meth:`find_one`; :meth:`find` applies it to every result of the context,
    and a live probe applies it to its own results (:func:`auditor.analysis.rule_context.probe_findings`).
    """

    def ran(self, context: RuleContext) -> bool:
        """True when there are device results."""
        return bool(context.devices)

    def find(self, context: RuleContext) -> list[Finding]:
        """The rule's findings for every device result in ``context``, in result order."""
        return [f for result in context.devices for f in self.find_one(result, context)]

    @abstractmethod
    def find_one(self, result: DeviceResult, context: RuleContext) -> list[Finding]:
        """The rule's findings for one device result (``[]`` when it does not apply); never raises."""


def device_label(result: DeviceResult) -> str:
    """How a finding names the device of ``result``: ``name (host:port)``, or ``host:port`` when the name is the host."""
    device = result.device
    where = f"{device.host}:{device.port}"
    return f"{device.name} ({where})" if device.name != device.host else where

"""YAML inventories read with line numbers, so every error can name the line of the entry or key.

PyYAML is imported on first use only: reading a text or CSV inventory never pays for it.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from auditor.errors import InventoryError

if TYPE_CHECKING:
    import yaml


class LineDict(dict[Any, Any]):
    """A YAML mapping that remembers where it and each of its keys stand (1-based lines)."""

    line: int = 0
    """The line of the mapping's first key."""
    key_lines: dict[Any, int]
    """Each scalar key's own line."""


def fail(path: Path, line: int | None, what: str, fix: str = "fix the entry") -> InventoryError:
    """The one-line error for a bad inventory: ``FILE: line N: what is wrong; fix`` (``FILE: ...`` without a line).

    Returns the error (the caller raises it), so ``raise fail(...) from None`` reads as one statement.
    """
    where = f"{path}: line {line}: " if line else f"{path}: "
    return InventoryError(f"{where}{what}; {fix}")


def line_of(mapping: Any, key: Any = None, default: int | None = None) -> int | None:
    """The 1-based line of ``key`` in ``mapping`` (of the mapping itself without a key); ``default`` if unknown."""
    if isinstance(mapping, LineDict):
        if key is not None and key in mapping.key_lines:
            return mapping.key_lines[key]
        return mapping.line
    return default


@cache
def _line_loader() -> type[yaml.SafeLoader]:
    """PyYAML's safe loader (libyaml's when PyYAML has it: about 2.5x faster), with line numbers on mappings."""
    import yaml

    base: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

    class LineLoader(base):  # type: ignore[valid-type,misc]
        pass

    LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
    return LineLoader


def _construct_mapping(loader: yaml.SafeLoader, node: yaml.MappingNode) -> LineDict:
    mapping = LineDict(loader.construct_mapping(node, deep=True))
    mapping.line = node.start_mark.line + 1
    mapping.key_lines = {}
    for key_node, _value in node.value:
        key = loader.construct_object(key_node, deep=True)
        if isinstance(key, (str, int, float, bool)) or key is None:
            mapping.key_lines[key] = key_node.start_mark.line + 1
    return mapping


def load_yaml(path: Path, text: str) -> Any:
    """Parse ``text`` (the content of ``path``) with YAML 1.1 safe loading; mappings come back as :class:`LineDict`.

    Raises:
        InventoryError: the text is not valid YAML (the message names the line PyYAML reports).
    """
    import yaml

    try:
        return yaml.load(text, Loader=_line_loader())  # a SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise fail(path, line, f"not valid YAML ({problem})", "fix the YAML syntax") from None


def device_entries(path: Path, data: Any) -> Iterator[tuple[int | None, str | None, Mapping[str, Any]]]:
    """``(line, name or None, entry)`` for each device of a list, a ``devices:`` list or a ``name: {...}`` mapping.

    Raises:
        InventoryError: an entry is not a mapping, or the document is neither a list nor a mapping.
    """
    if isinstance(data, Mapping) and isinstance(data.get("devices"), list) and len(data) == 1:
        data = data["devices"]
    if isinstance(data, list):
        for item in data:
            line = line_of(item, default=line_of(data))
            if not isinstance(item, Mapping):
                raise fail(path, line, f"expected a mapping with name/host/port, got {item!r}")
            yield line, None, item
        return
    if isinstance(data, Mapping):
        for name, item in data.items():
            line = line_of(data, name)
            body = {} if item is None else item
            if not isinstance(body, Mapping):
                raise fail(path, line, f"device {name!r}: expected a mapping with host/port, got {body!r}")
            yield line, str(name), body
        return
    raise fail(path, None, "expected a list of devices or a mapping of device names", "see README 'Inventories'")

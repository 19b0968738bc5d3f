"""Read YAML that may come from anyone: plain data only, no aliases, bounded in size, depth and nodes.

PyYAML's ``safe_load`` still expands aliases (a few hundred bytes of nested ``*a`` references become gigabytes),
recurses without bound on deep nesting, and raises on unknown tags, complex keys and impossible dates. Scenario
files, scenario bodies sent to the API, ``dataset.yaml`` and ``choice.yaml`` are read here instead: the document is
composed node by node with each rule checked as it arrives, so a hostile document is refused after reading at most
``max_nodes`` nodes, and every refusal names the line and the key.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from corridor.errors import CorridorError

__all__ = ["YamlLimits", "YamlRefused", "read_yaml"]

#: the tags a plain document resolves to; anything else (``!!binary``, ``!!set``, ``!!python/...``, ``!foo``) is refused
_PLAIN_TAGS = {f"tag:yaml.org,2002:{t}": t for t in ("str", "int", "float", "bool", "null", "timestamp", "seq", "map")}
#: the largest integer a document may hold: what a signed 64-bit integer holds
MAX_INT = 2**63 - 1


@dataclass(frozen=True, slots=True, kw_only=True)
class YamlLimits:
    """How large a YAML document may be."""

    #: characters of the text
    max_chars: int = 262_144
    #: nesting of mappings and lists
    max_depth: int = 32
    #: scalars, mappings and lists together, each alias counted as the whole value it repeats
    max_nodes: int = 50_000
    #: allow anchors and aliases (``&a``, ``*a``), their expansions counted against ``max_nodes``
    aliases: bool = False


class YamlRefused(ValueError, CorridorError):
    """A YAML document refused: ``line`` (1-based, if known), ``key`` (the path to the value, dotted) and why."""

    def __init__(self, message: str, line: int | None = None, key: str | None = None) -> None:
        self.message, self.line, self.key = message, line, key
        super().__init__(message)


def _dotted(path: tuple[Any, ...]) -> str | None:
    return ".".join(str(p) for p in path) or None


def read_yaml(text: str, limits: YamlLimits | None = None) -> tuple[Any, dict[tuple[Any, ...], int]]:
    """The YAML document in ``text`` as plain data (dicts, lists, str, int, float, bool, None, dates), and the line
    (1-based) of every key path.

    Refused, each with its line and key: text over ``max_chars``; anchors and aliases; nesting over ``max_depth``;
    more than ``max_nodes`` nodes; tags other than the plain ones; keys that are mappings or lists; duplicate keys;
    integers beyond 64 bits; numbers that are not finite (``.nan``, ``.inf``, ``1.0e+999``); dates that do not exist
    (``2024-02-31``); NUL characters; more than one document.

    Raises
    ------
    YamlRefused
    """
    import yaml

    lim = limits or YamlLimits()
    if len(text) > lim.max_chars:
        raise YamlRefused(f"the text has {len(text):,} characters; the most a document may have is {lim.max_chars:,}")
    if "\x00" in text:
        raise YamlRefused("a NUL character is not allowed", text.count("\n", 0, text.index("\x00")) + 1)
    loader = None
    try:
        loader = _loader_class(lim)(text)
        node = loader.get_single_node()
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        raise YamlRefused(
            f"not valid YAML: {getattr(error, 'problem', None) or error}", mark.line + 1 if mark else None
        ) from None
    finally:
        if loader is not None:
            loader.dispose()
    walker = _Walker(loader, lim)
    return (walker.walk(node, ()) if node is not None else None), walker.lines


def _loader_class(lim: YamlLimits) -> Any:
    """A safe loader that refuses anchors and aliases and counts nodes and depth as it composes them."""
    import yaml

    class Loader(yaml.SafeLoader):
        depth = 0
        nodes = 0

        def compose_node(self, parent: Any, index: Any) -> Any:
            event = self.peek_event()  # type: ignore[no-untyped-call]
            line = event.start_mark.line + 1
            if lim.aliases:
                return super().compose_node(parent, index)
            if isinstance(event, yaml.AliasEvent):
                raise YamlRefused(f"aliases (*{event.anchor}) are not allowed; write the value out", line)
            if getattr(event, "anchor", None) is not None:
                raise YamlRefused(f"anchors (&{event.anchor}) are not allowed; write the value out", line)
            self.nodes += 1
            if self.nodes > lim.max_nodes:
                raise YamlRefused(f"more than {lim.max_nodes:,} values; the document is too large", line)
            self.depth += 1
            try:
                if self.depth > lim.max_depth:
                    raise YamlRefused(f"nested more than {lim.max_depth} levels deep", line)
                return super().compose_node(parent, index)
            finally:
                self.depth -= 1

    return Loader


class _Walker:
    """Turns composed nodes into data: every node checked, aliases counted as what they expand to."""

    def __init__(self, loader: Any, lim: YamlLimits) -> None:
        self.loader, self.lim = loader, lim
        self.lines: dict[tuple[Any, ...], int] = {}
        self.nodes = 0
        self.open: set[int] = set()

    def walk(self, n: Any, path: tuple[Any, ...]) -> Any:
        """The data of node ``n`` at key ``path``; records the line of every key."""
        import yaml

        line = n.start_mark.line + 1
        self.lines.setdefault(path, line)
        self.nodes += 1
        if self.nodes > self.lim.max_nodes:
            raise YamlRefused(f"more than {self.lim.max_nodes:,} values with aliases expanded", line, _dotted(path))
        if len(self.open) >= self.lim.max_depth:
            raise YamlRefused(f"nested more than {self.lim.max_depth} levels deep", line, _dotted(path))
        if n.tag not in _PLAIN_TAGS:
            tag = n.tag.replace("tag:yaml.org,2002:", "!!")
            raise YamlRefused(
                f"the tag {tag} is not allowed; plain values, lists and mappings only", line, _dotted(path)
            )
        if isinstance(n, yaml.ScalarNode):
            return self.scalar(n, path)
        if id(n) in self.open:
            raise YamlRefused("an alias refers to a value that contains it (a recursive alias)", line, _dotted(path))
        self.open.add(id(n))
        try:
            if isinstance(n, yaml.SequenceNode):
                return [self.walk(item, (*path, i)) for i, item in enumerate(n.value)]
            return self.mapping(n, path)
        finally:
            self.open.discard(id(n))

    def mapping(self, n: Any, path: tuple[Any, ...]) -> dict[Any, Any]:
        import yaml

        out: dict[Any, Any] = {}
        for key_node, value_node in n.value:
            key_line = key_node.start_mark.line + 1
            if not isinstance(key_node, yaml.ScalarNode):
                raise YamlRefused(
                    "a key must be a plain value (a name or a number), not a list or a mapping", key_line, _dotted(path)
                )
            key = self.walk(key_node, path)
            if key in out:
                raise YamlRefused(f"duplicate key {key!r}", key_line, _dotted((*path, key)))
            self.lines[(*path, key)] = key_line
            out[key] = self.walk(value_node, (*path, key))
        return out

    def scalar(self, n: Any, path: tuple[Any, ...]) -> Any:
        if n.tag == "tag:yaml.org,2002:str":
            if "\x00" in n.value:
                raise YamlRefused("a NUL character is not allowed", n.start_mark.line + 1, _dotted(path))
            return n.value
        return _scalar(self.loader, n, path)


def _scalar(loader: Any, n: Any, path: tuple[Any, ...]) -> Any:
    """A plain scalar that is not a string: a number within bounds, a boolean, null or a date that exists."""
    import yaml

    line = n.start_mark.line + 1
    try:
        value = loader.construct_object(n, deep=True)
    except (ValueError, OverflowError, yaml.YAMLError) as error:
        kind = _PLAIN_TAGS[n.tag]
        what = "a date that exists (YYYY-MM-DD)" if kind == "timestamp" else f"a valid {kind}"
        raise YamlRefused(f"{n.value[:40]!r} is not {what} ({error})", line, _dotted(path)) from None
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_INT:
        raise YamlRefused(
            f"{n.value[:40]!r} is beyond the integers this reads (at most {MAX_INT:,} in size)", line, _dotted(path)
        )
    if isinstance(value, float) and not math.isfinite(value):
        raise YamlRefused(f"{n.value[:40]!r} is not a finite number", line, _dotted(path))
    return value

"""Layers that ride the same corridor as the freight: crude oil (``oil``) and data over fiber (``data``)."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from typing import TypeVar

from corridor.errors import UnknownElementError
from corridor.names import normalize_name

T = TypeVar("T")

__all__ = ["match_name"]


def match_name(name: str, labels: Mapping[str, Iterable[str]], items: Mapping[str, T], what: str) -> T:
    """The item whose id or one of whose labels matches ``name`` (case, accents and punctuation ignored).

    Raises
    ------
    UnknownElementError
        Naming the closest choices and the full list when it is short.
    """
    key = normalize_name(name)
    index = {normalize_name(label): item_id for item_id, names in labels.items() for label in (item_id, *names)}
    if key and key in index:
        return items[index[key]]
    close = difflib.get_close_matches(key, list(index), n=3, cutoff=0.5)
    shown = list(dict.fromkeys(index[c] for c in close))
    valid = sorted(items)
    hint = f" Closest: {', '.join(shown)}." if shown else ""
    listing = f" Valid: {', '.join(valid)}." if len(valid) <= 30 else ""
    raise UnknownElementError(f"Unknown {what} {name!r}.{hint}{listing}")

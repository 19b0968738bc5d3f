"""What a route must not touch: countries (ISO codes), passages and modes, parsed from ``--avoid`` tokens."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from corridor.dataset.vocab import COUNTRIES, FREIGHT_MODES, PASSAGES
from corridor.errors import InvalidOptionError

__all__ = ["Avoid", "parse_avoid"]


@dataclass(frozen=True, slots=True)
class Avoid:
    """What a route must not touch: countries (ISO codes), passages and modes.

    Examples
    --------
    >>> import corridor
    >>> from corridor.dataset.avoid import parse_avoid
    >>> rules = parse_avoid("RU,caspian")
    >>> isinstance(rules, corridor.Avoid), "RU" in rules.countries
    (True, True)
    """

    countries: frozenset[str] = frozenset()
    passages: frozenset[str] = frozenset()
    modes: frozenset[str] = frozenset()

    def __bool__(self) -> bool:
        return bool(self.countries or self.passages or self.modes)

    def describe(self) -> str:
        return ", ".join(sorted(self.countries) + sorted(self.passages) + sorted(self.modes)) or "nothing"


def parse_avoid(items: Iterable[str] | str | None) -> Avoid:
    """Sort avoid tokens into countries, passages and modes (``"RU,IR,suez"`` or ``["RU", "suez"]``).

    Raises
    ------
    InvalidOptionError
        For a token that is none of them, with the valid choices.
    """
    if items is None:
        return Avoid()
    tokens = items.split(",") if isinstance(items, str) else [t for item in items for t in item.split(",")]
    countries, passages, modes = set(), set(), set()
    for raw in tokens:
        token = raw.strip()
        if not token:
            continue
        if token.lower() in PASSAGES:
            passages.add(token.lower())
        elif token.lower() in FREIGHT_MODES:
            modes.add(token.lower())
        elif token.upper() in COUNTRIES and len(token) == 2:
            countries.add(token.upper())
        else:
            raise InvalidOptionError(
                f"Cannot avoid {token!r}: not an ISO country code (e.g. RU, IR), a passage "
                f"({', '.join(PASSAGES)}) or a mode ({', '.join(FREIGHT_MODES)})"
            )
    return Avoid(frozenset(countries), frozenset(passages), frozenset(modes))

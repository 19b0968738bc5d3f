"""Every error corridor raises: one base class, each subclass also a built-in exception."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = [
    "AmbiguousPlaceError",
    "AuthError",
    "ConflictError",
    "CorridorError",
    "DatasetError",
    "InvalidOptionError",
    "LimitError",
    "NoRouteError",
    "NotFoundError",
    "Problem",
    "ScenarioError",
    "SolverError",
    "StoreError",
    "UnknownElementError",
    "UnknownPlaceError",
]


class CorridorError(Exception):
    """Base class of every error raised on purpose by corridor.

    The CLI turns these into a message and exit code 2; the API into a 4xx answer.

    Examples
    --------
    >>> import corridor
    >>> try:
    ...     corridor.load_network().place("Narnia")
    ... except corridor.CorridorError as error:
    ...     print(type(error).__name__)
    UnknownPlaceError
    """


@dataclass(frozen=True, slots=True)
class Problem:
    """One problem found in a dataset file: where it is and what is wrong."""

    file: str
    line: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f":{self.line}"
        if self.column:
            where += f":{self.column}"
        return f"{where}: {self.message}"


class DatasetError(ValueError, CorridorError):
    """A dataset folder that cannot be loaded; ``problems`` lists every problem found.

    Examples
    --------
    >>> import corridor
    >>> try:
    ...     corridor.network_from_csv("no-such-folder")
    ... except corridor.DatasetError as error:
    ...     print(len(error.problems) >= 1)
    True
    """

    def __init__(self, problems: Sequence[Problem], *, folder: str = "") -> None:
        self.problems: tuple[Problem, ...] = tuple(problems)
        self.folder = folder
        head = f"Dataset {folder!r} has {len(self.problems)} problem(s):" if folder else "Dataset problems:"
        super().__init__("\n".join([head, *(f"  {p}" for p in self.problems)]))


class ScenarioError(ValueError, CorridorError):
    """A scenario file that cannot be applied; ``problems`` lists every problem with file, line and key."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems: tuple[Problem, ...] = tuple(problems)
        super().__init__("\n".join(["Scenario problems:", *(f"  {p}" for p in self.problems)]))


class UnknownPlaceError(KeyError, CorridorError):
    """A place name that matches no place or alias of the network.

    Examples
    --------
    >>> import corridor
    >>> try:
    ...     corridor.route(corridor.load_network(), "Narnia", "Duisburg")
    ... except KeyError as error:  # also a built-in KeyError
    ...     print("Narnia" in str(error))
    True
    """

    def __init__(self, name: str, closest: Sequence[str], *, reason: str = "") -> None:
        self.name = name
        self.closest = tuple(closest)
        hint = f" Closest: {', '.join(self.closest)}." if self.closest else ""
        what = f"Place name {name!r} {reason}." if reason else f"Unknown place {name!r}.{hint}"
        super().__init__(f"{what} See `corridor places`.")

    def __str__(self) -> str:  # KeyError would repr() the message
        return str(self.args[0])


class AmbiguousPlaceError(UnknownPlaceError):
    """A name that several places bear (two Alexandrias); ``closest`` holds each one's label (``Alexandria, EG``).

    Examples
    --------
    >>> import corridor
    >>> try:
    ...     corridor.route(corridor.load_network(), "Alexandria", "Duisburg")
    ... except corridor.AmbiguousPlaceError as error:
    ...     print(any(label.endswith(", EG") for label in error.closest))
    True
    """

    def __init__(self, name: str, choices: Sequence[str], *, details: Sequence[str] = ()) -> None:
        self.name = name
        self.closest = tuple(choices)
        listed = "; ".join(details or choices)
        KeyError.__init__(
            self,
            f"Place {name!r} is ambiguous: {listed}. Say which with its country code, e.g. {self.closest[0]!r}, "
            "or give its coordinates as 'lat,lon'.",
        )


class UnknownElementError(KeyError, CorridorError):
    """A name that matches no element of a layer (field, terminal, hub, link, system); the message lists choices."""

    def __str__(self) -> str:  # KeyError would repr() the message
        return str(self.args[0])


class NoRouteError(LookupError, CorridorError):
    """No route satisfies the request (everything was avoided, or the places are not connected).

    Examples
    --------
    >>> import corridor
    >>> try:
    ...     corridor.route(corridor.load_network(), "Xian", "Duisburg", avoid="KZ,RU,IR,caspian,suez,cape")
    ... except LookupError as error:  # also a built-in LookupError
    ...     print(type(error).__name__)
    NoRouteError
    """


class InvalidOptionError(ValueError, CorridorError):
    """An option value outside its valid choices or range.

    Examples
    --------
    >>> import corridor
    >>> try:
    ...     corridor.route(corridor.load_network(), "Xian", "Duisburg", optimize="fastest")
    ... except ValueError as error:  # also a built-in ValueError
    ...     print(type(error).__name__)
    InvalidOptionError
    """


class SolverError(RuntimeError, CorridorError):
    """A solver stopped without an optimal solution (time limit, numerical trouble)."""


class StoreError(RuntimeError, CorridorError):
    """The results store cannot be reached, created or written."""


class NotFoundError(InvalidOptionError):
    """A stored thing (run, job, scenario, API key) that is not there."""


class ConflictError(InvalidOptionError):
    """A change that clashes with what is stored (a name taken, a scenario another builds on)."""


class LimitError(InvalidOptionError):
    """A request over one of the service's limits; names the limit and its value."""

    def __init__(self, limit: str, value: float, maximum: float, what: str) -> None:
        self.limit, self.value, self.maximum = limit, value, maximum
        super().__init__(f"{what}={_number(value)} is over the limit {limit}={_number(maximum)} of this server.")


def _number(value: float) -> str:
    if isinstance(value, int):  # of any size: float() of a 400-digit integer overflows
        text = str(value)
        return text if len(text) <= 30 else f"{text[:12]}...({len(text)} digits)"
    return str(int(value)) if math.isfinite(value) and value.is_integer() else f"{value:g}"


class AuthError(CorridorError):
    """A missing or wrong API key (``code``: api_key_missing or api_key_invalid)."""

    def __init__(self, code: str, message: str) -> None:
        self.code = code
        super().__init__(message)

"""Hostile scenario YAML is refused at once, with file, line and key, never a traceback or a hang."""

from __future__ import annotations

import contextlib
import functools
import time
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import corridor
from corridor.errors import InvalidOptionError, ScenarioError
from corridor.io.safe_yaml import YamlLimits, YamlRefused, read_yaml
from corridor.scenarios.files import load_scenario_text

HEAD = "title: t\nbase: base-2024\n"
#: a billion-laughs document: nine levels of nine aliases, 387 million strings once expanded
BOMB = 'a: &a ["x","x","x","x","x","x","x","x","x"]\n' + "".join(
    f"{c}: &{c} [*{p},*{p},*{p},*{p},*{p},*{p},*{p},*{p},*{p}]\n" for p, c in zip("abcdefgh", "bcdefghi", strict=True)
)


@functools.cache
def _network() -> corridor.Network:
    return corridor.load_network()


@pytest.fixture(scope="module")
def net() -> corridor.Network:
    return _network()


HOSTILE = [
    ("bomb", BOMB + "title: t\n", 1, r"anchors \(&a\) are not allowed"),
    ("recursive alias", "title: t\nx: &a [*a]\n", 2, r"anchors \(&a\) are not allowed"),
    ("alias", "title: t\ndescription: *a\n", 2, r"aliases \(\*a\) are not allowed"),
    ("deep nesting", "title: t\ndescription: " + "[" * 5000 + "]" * 5000 + "\n", 2, "nested more than 32 levels"),
    ("python tag", HEAD + "description: !!python/object:os.system x\n", 3, r"tag !!python/object:os.system"),
    ("unknown tag", HEAD + "description: !foo x\n", 3, "tag !foo is not allowed"),
    ("binary tag", HEAD + "description: !!binary aGVsbG8=\n", 3, "tag !!binary"),
    ("set tag", HEAD + "description: !!set {a, b}\n", 3, "tag !!set"),
    ("complex key", HEAD + "? [a, b]\n: 1\n", 3, "a key must be a plain value"),
    ("mapping key", HEAD + "set:\n  ? {a: 1}\n  : {x: 1}\n", 4, "a key must be a plain value"),
    ("duplicate key", HEAD + "title: u\n", 3, "duplicate key 'title'"),
    (
        "impossible date",
        HEAD + "close:\n  - passages: [red-sea]\n    from: 2024-02-31\n",
        5,
        "is not a date that exists",
    ),
    ("year 0001", HEAD + "close:\n  - passages: [red-sea]\n    from: 0001-01-01\n", 5, "not between 1900 and 2100"),
    ("year 9999", HEAD + "close:\n  - passages: [red-sea]\n    to: 9999-12-31\n", 5, "not between 1900 and 2100"),
    ("closure links not a list", HEAD + "close:\n  - links: 5\n", 4, "a list of names"),
    ("NaN", HEAD + "scale:\n  links/xian-lanzhou:\n    tariff_usd: .nan\n", 5, "'.nan' is not a finite number"),
    ("infinity", HEAD + "demand:\n  scale: .inf\n", 4, "'.inf' is not a finite number"),
    ("overflowing float", HEAD + "demand:\n  scale: 1.0e+999\n", 4, "is not a finite number"),
    ("400-digit year", HEAD + "year: " + "9" * 400 + "\n", 3, "beyond the integers"),
    ("NUL escaped", HEAD + 'description: "a\\0b"\n', 3, "NUL character"),
    ("NUL raw", HEAD + "description: a\x00b\n", 3, "NUL character"),
    ("not YAML", "title: [unclosed\n", 2, "not valid YAML"),
    ("too long", "title: t\ndescription: " + "x" * 300_000 + "\n", None, "the most a document may have is 262,144"),
    ("many values", "title: t\nx: [" + "1," * 60_000 + "1]\n", 2, "more than 50,000 values"),
]


@pytest.mark.parametrize(("text", "line", "message"), [c[1:] for c in HOSTILE], ids=[c[0] for c in HOSTILE])
def test_hostile_scenario_is_refused(net: corridor.Network, text: str, line: int | None, message: str) -> None:
    started = time.perf_counter()
    with pytest.raises(ScenarioError, match=message) as caught:
        load_scenario_text(text, net, name="hostile")
    assert time.perf_counter() - started < 5
    problem = caught.value.problems[0]
    assert problem.file == "<scenario>"
    assert problem.line == line


def test_refusal_names_the_key(net: corridor.Network) -> None:
    text = HEAD + "close:\n  - passages: [red-sea]\n    from: 2024-02-31\n"
    with pytest.raises(ScenarioError) as caught:
        load_scenario_text(text, net, name="hostile")
    assert str(caught.value.problems[0]).startswith("<scenario>:5:close.0.from: '2024-02-31' is not a date that exists")


def test_plain_values_still_read() -> None:
    data, lines = read_yaml("a: 1\nb: [2.5, true, null, 2024-02-29, text]\nc: {d: e}\n")
    assert data == {"a": 1, "b": [2.5, True, None, __import__("datetime").date(2024, 2, 29), "text"], "c": {"d": "e"}}
    assert lines[("c", "d")] == 3


def test_aliases_allowed_are_counted() -> None:
    """dataset.yaml and choice.yaml may repeat a value by alias; the expansion is counted, a bomb is refused."""
    data, _ = read_yaml("a: &x [1, 2]\nb: *x\n", YamlLimits(aliases=True))
    assert data == {"a": [1, 2], "b": [1, 2]}
    started = time.perf_counter()
    with pytest.raises(YamlRefused, match="more than 50,000 values with aliases expanded"):
        read_yaml(BOMB, YamlLimits(aliases=True))
    with pytest.raises(YamlRefused, match=r"recursive alias|nested more than"):
        read_yaml("x: &a [*a]\n", YamlLimits(aliases=True))
    assert time.perf_counter() - started < 5


def test_library_scenarios_still_load(net: corridor.Network) -> None:
    from corridor.scenarios.files import library_names, load_scenario

    for name in library_names():
        assert load_scenario(name, net).name == name


# --- fuzzing ----------------------------------------------------------------------------------------------------------

_SCALARS = st.one_of(
    st.sampled_from(
        [
            "",
            "~",
            ".nan",
            "-.inf",
            "1.0e+999",
            "9" * 30,
            "2024-02-31",
            "0001-01-01",
            "2024-06-01",
            "6 Mt",
            "USD 250",
            "50 %",
            "!!binary aGk=",
            "!foo x",
            "!!python/object:os.system x",
            "&a x",
            "*a",
            "base-2024",
            "links/xian-lanzhou",
            "capacities/kuryk-port",
            "red-sea",
            "yes",
            "'quoted'",
        ]
    ),
    st.integers(min_value=-(10**25), max_value=10**25).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=8).map(repr),
)
_KEYS = st.sampled_from(
    [
        "title",
        "base",
        "year",
        "set",
        "scale",
        "add",
        "remove",
        "close",
        "reopen",
        "demand",
        "policies",
        "sources",
        "from",
        "to",
        "links",
        "passages",
        "capacities/kuryk-port",
        "capacity_per_year",
        "scale",
        "od",
        "? [a]",
        "<<",
        "&k key",
    ]
)


def _render(value: Any, indent: int) -> str:
    pad = "  " * indent
    if isinstance(value, dict):
        if not value:
            return "{}"
        return "\n" + "".join(f"{pad}{k}: {_render(v, indent + 1).lstrip(' ')}\n" for k, v in value.items()).rstrip()
    if isinstance(value, list):
        return "[" + ", ".join(_render(v, 0).strip() if not isinstance(v, dict) else "{}" for v in value) + "]"
    return str(value)


_DOCS = st.recursive(
    _SCALARS,
    lambda children: st.one_of(st.lists(children, max_size=4), st.dictionaries(_KEYS, children, max_size=4)),
    max_leaves=20,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(body=st.dictionaries(_KEYS, _DOCS, max_size=6), raw=st.booleans(), junk=st.text(max_size=40))
def test_fuzzed_scenarios_raise_only_scenario_errors(body: dict[str, Any], raw: bool, junk: str) -> None:
    text = "title: fuzz\n" + "".join(f"{k}: {_render(v, 1).lstrip(' ')}\n" for k, v in body.items() if k != "title")
    if raw:
        text += junk
    started = time.perf_counter()
    with contextlib.suppress(ScenarioError, InvalidOptionError):
        load_scenario_text(text, _network(), name="fuzz")
    assert time.perf_counter() - started < 5


@settings(max_examples=100, deadline=None)
@given(depth=st.integers(1, 3000), kind=st.sampled_from(["[", "{a: ", "- "]))
def test_fuzzed_nesting_is_bounded(depth: int, kind: str) -> None:
    if kind == "- ":
        inner = "".join("  " * i + "-\n" for i in range(depth))
        text = "title: t\ndescription:\n" + inner
    else:
        closer = "]" if kind == "[" else "}"
        text = "title: t\ndescription: " + kind * depth + "1" + closer * depth + "\n"
    started = time.perf_counter()
    with contextlib.suppress(ScenarioError, InvalidOptionError):
        load_scenario_text(text, _network(), name="deep")
    assert time.perf_counter() - started < 5

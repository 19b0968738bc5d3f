"""Hostile command lines: exit 2 with a message naming the option or the file's line, at once; never a traceback,
never NaN or Infinity in JSON, never minutes of work asked by a number too large."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from corridor.cli import app
from corridor.errors import CorridorError

BIG = "9" * 24
BOMB = 'a: &a ["x","x","x","x","x","x","x","x","x"]\n' + "".join(
    f"{c}: &{c} [*{p},*{p},*{p},*{p},*{p},*{p},*{p},*{p},*{p}]\n" for p, c in zip("abcdefgh", "bcdefghi", strict=True)
)
HEAD = "title: t\nbase: base-2024\n"
FILES = {
    "bomb": BOMB + "title: t\n",
    "deep": "title: t\ndescription: " + "[" * 5000 + "]" * 5000 + "\n",
    "tag": HEAD + "description: !foo x\n",
    "date": HEAD + "close:\n  - passages: [red-sea]\n    from: 2024-02-31\n",
    "year1": HEAD + "close:\n  - passages: [red-sea]\n    from: 0001-01-01\n    to: 0001-12-31\n",
    "ckey": HEAD + "? [a, b]\n: 1\n",
    "huge": HEAD + "set:\n  capacities/kuryk-port:\n    capacity_per_year: " + "9" * 5000 + " Mt\n",
    "nan": HEAD + "demand:\n  scale: .nan\n",
}


def _run(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "corridor", *args], capture_output=True, text=True, timeout=timeout, check=False
    )


CASES = [
    (("scenario", "show", "{bomb}"), "bomb.yaml:1: anchors (&a) are not allowed"),
    (("scenario", "show", "{deep}"), "deep.yaml:2: nested more than 32 levels deep"),
    (("scenario", "show", "{tag}"), "tag.yaml:3:description: the tag !foo is not allowed"),
    (("scenario", "show", "{date}"), "date.yaml:5:close.0.from: '2024-02-31' is not a date that exists"),
    (("scenario", "run", "{year1}", "--no-store", "--samples", "120"), "0001-12-31 is not between 1900 and 2100"),
    (("scenario", "show", "{ckey}"), "ckey.yaml:3: a key must be a plain value"),
    (("scenario", "show", "{huge}"), "is out of range: a quantity is finite"),
    (("scenario", "show", "{nan}"), "'.nan' is not a finite number"),
    (("simulate", "Xian", "Duisburg", "--samples", "10000000000"), "'--samples'"),
    (("simulate", "Xian", "Duisburg", "--samples", BIG), "'--samples'"),
    (("simulate", "Xian", "Duisburg", "--seed", BIG, "--samples", "100"), "'--seed'"),
    (
        ("simulate", "Xian", "Duisburg", "--samples", "100", "--sweep-depart", "2026-01-01:2026-02-01:inf"),
        "step of days",
    ),
    (("route", "Xian", "Duisburg", "--alternatives", "1000000"), "'--alternatives'"),
    (("compare", "Xian", "Duisburg", "--quantity", "nan", "--json"), "--quantity=nan is out of range"),
    (("compare", "Xian", "Duisburg", "--quantity", "1e308"), "--quantity=1e+308 is out of range"),
    (("compare", "Xian", "Duisburg", "--year", BIG), "'--year'"),
    (("compare", "Xian", "Duisburg", "--value-of-time", "nan"), "--value-of-time=nan is out of range"),
    (("fleet", "--volume-teu", "100000", "--ferries", "1000000"), "'--ferries'"),
    (("fleet", "--volume-teu", "1e308", "--ferries", "3"), "--volume-teu=1e+308 is out of range"),
    (("fleet", "--volume-teu", "100000", "--ferries", "3", "--replications", "100000000"), "'--replications'"),
    (("fleet", "--volume-teu", "100000", "--ferries", "3", "--days", "1e9"), "--days=1000000000.0 is out of range"),
    (("calibrate", "--theta", "1e308"), "--theta=1e+308 is out of range: theta is a finite number > 0 and <= 10"),
    (("calibrate", "--nest-scale", "nan"), "--nest-scale=nan is out of range"),
    (
        ("scenario", "sweep", "base-2024", "--param", "demand.scale=1:inf:1", "--in-process", "--no-store"),
        "'inf' is out of range",
    ),
    (
        ("scenario", "sweep", "base-2024", "--param", "demand.scale=1:nan:1", "--in-process", "--no-store"),
        "'nan' is out of range",
    ),
    (
        (
            "scenario",
            "sweep",
            "base-2024",
            "--param",
            "capacities/kuryk-port.capacity_per_year=1e308Mt:2e308Mt:1Mt",
            "--in-process",
            "--no-store",
        ),
        "is out of range",
    ),
    (("scenario", "run", "base-2024", "--samples", "1000000000", "--no-store"), "'--samples'"),
    (("scenario", "runs", "--limit", BIG), "'--limit'"),
    (("assign", "--max-iter", BIG), "'--max-iter'"),
    (("assign", "--gap", "nan"), "--gap=nan is out of range"),
    (("bottlenecks", "--top", BIG), "'--top'"),
    (("demand", "--year", "3000"), "'--year'"),
    (("oil", "--volume-mt", "1e308"), "--volume-mt=1e+308 is out of range"),
]


@pytest.mark.parametrize(("args", "message"), CASES, ids=[" ".join(a)[:60] for a, _ in CASES])
def test_hostile_command_exits_2(tmp_path: Path, args: tuple[str, ...], message: str) -> None:
    files = {}
    for name, text in FILES.items():
        files[name] = str(tmp_path / f"{name}.yaml")
        Path(files[name]).write_text(text, encoding="utf-8")
    started = time.perf_counter()
    result = _run(*(a.format(**files) for a in args))
    assert time.perf_counter() - started < 60
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert message in result.stderr.replace("\n", " "), result.stderr


def test_json_is_strict() -> None:
    """--json never prints NaN or Infinity, whatever a value turned out to be."""
    import json

    from corridor.io.jsontext import to_json

    text = to_json({"a": float("nan"), "b": [float("inf"), 1.5], "c": {"d": -float("inf")}}, indent=2)
    assert json.loads(text, parse_constant=lambda c: pytest.fail(f"{c} in JSON")) == {
        "a": None,
        "b": [None, 1.5],
        "c": {"d": None},
    }


# --- fuzzing the options of a few commands ----------------------------------------------------------------------------

_HOSTILE = st.one_of(
    st.sampled_from(["nan", "-nan", "inf", "-inf", "1e308", "1e400", "-1", "1e10", BIG, "9" * 400, "", "x", "0x10"]),
    st.integers(min_value=10**10, max_value=10**40).map(str),
    st.integers(max_value=-1).map(str),
)
_COMMANDS = {
    ("simulate", "Xian", "Duisburg"): ["--samples", "--seed", "--top"],
    ("route", "Xian", "Duisburg"): ["--alternatives", "--quantity"],
    ("compare", "Xian", "Duisburg"): ["--quantity", "--year", "--value-of-time", "--carbon-price"],
    ("fleet", "--volume-teu", "1000"): ["--ferries", "--replications", "--days", "--teu-per-wagon", "--batch-teu"],
    ("calibrate",): ["--theta", "--nest-scale"],
    ("scenario", "run", "base-2024", "--no-store"): ["--samples", "--seed"],
    ("assign",): ["--gap", "--max-iter", "--demand-scale", "--capacity-scale", "--year"],
}


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    command=st.sampled_from(sorted(_COMMANDS)),
    pick=st.integers(0, 10),
    value=_HOSTILE,
)
def test_fuzzed_options_exit_2_without_traceback(command: tuple[str, ...], pick: int, value: str) -> None:
    """Each hostile value is refused while the options are parsed: exit 2, a message, no traceback, no work."""
    options = _COMMANDS[command]
    option = options[pick % len(options)]
    started = time.perf_counter()
    result = CliRunner().invoke(app, [*command, option, value])
    elapsed = time.perf_counter() - started
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        assert isinstance(result.exception, CorridorError), repr(result.exception)
    else:
        assert result.exit_code == 2, (command, option, value, result.output)
    assert "Traceback" not in result.output
    assert elapsed < 10

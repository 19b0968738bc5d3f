"""The README's promises: its two commands, and its Python example, run as written."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"


def test_readme_opens_with_the_two_commands() -> None:
    commands = re.findall(r"^    (python3 -m venv .*)$", README.read_text(encoding="utf-8"), flags=re.M)
    assert len(commands) == 2
    assert commands[0].endswith("corridor compare Xian Duisburg")
    assert commands[1].endswith("python -m pytest")
    ci = (README.parent / ".ci" / "run").read_text(encoding="utf-8")
    assert commands[1] in ci


def test_readme_python_example_runs() -> None:
    text = README.read_text(encoding="utf-8")
    code = re.search(r"```python\n(.*?)```", text, flags=re.S)
    assert code is not None
    namespace: dict[str, object] = {}
    exec(compile(code.group(1), str(README), "exec"), namespace)
    assert "result" in namespace and "best" in namespace


def test_readme_assignment_example_runs(tntp_root: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), flags=re.S)
    assert len(blocks) >= 2
    code = blocks[1]
    # as a user of a fresh clone runs it: from another folder, the networks where CORRIDOR_TNTP_DIR says
    assert "../shared" not in code
    monkeypatch.setenv("CORRIDOR_TNTP_DIR", str(tntp_root))
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, object] = {}
    exec(compile("import corridor\n" + code, str(README), "exec"), namespace)
    result = namespace["result"]
    assert result.relative_gap <= 1e-4  # type: ignore[attr-defined]
    from corridor.model.freight import passage_volumes

    assert passage_volumes(namespace["base"])["caspian"] == pytest.approx(4.5e6, rel=0.10)  # type: ignore[arg-type]


def test_readme_reliability_example_runs() -> None:
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), flags=re.S)
    assert len(blocks) >= 3
    namespace: dict[str, object] = {}
    exec(compile("import corridor\n" + blocks[2], str(README), "exec"), namespace)
    result = namespace["result"]
    assert result.corridor == "middle" and result.p50_days < result.p90_days  # type: ignore[attr-defined]


def test_readme_scenario_example_runs() -> None:
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), flags=re.S)
    code = next(b for b in blocks if "corridor.run_scenario(" in b)
    namespace: dict[str, object] = {}
    exec(compile("import corridor\n" + code, str(README), "exec"), namespace)
    both, swept = namespace["both"], namespace["swept"]
    suez = both.set_index("corridor").loc["maritime-suez"]  # type: ignore[attr-defined]
    assert suez["volume_mt_open"] > 50 and suez["volume_mt_closed"] == 0
    assert list(swept.values) == [1.0, 1.25, 1.5]  # type: ignore[attr-defined]

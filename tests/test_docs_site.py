"""The documentation site: mkdocs builds it, strict (no broken link or reference), with the API from the docstrings."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_site_builds_strict_with_the_api_reference(tmp_path: Path) -> None:
    pytest.importorskip("mkdocstrings_handlers.python", reason="the docs extra (mkdocs, mkdocstrings) is not installed")
    site = tmp_path / "site"
    done = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    html = (site / "reference" / "routing" / "index.html").read_text(encoding="utf-8")
    page = re.sub(r"<[^>]+>", "", html)  # the text, without the highlighting's spans
    # the reference is the docstrings: each public function with its parameters and its example
    for text in ("value_of_time_usd_per_t_hour", "Examples", "comparison.to_frame()"):
        assert text in page
    for area in ("routing", "reliability", "flows", "scenarios", "dataset", "errors"):
        assert (site / "reference" / area / "index.html").is_file()
    shutil.rmtree(site)

"""Answers as files: format= or the Accept header on compare, route and simulate, the same files --output writes."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from corridor.api import ServiceSettings, create_app
from corridor.cli import app as cli_app

TRIP = {"origin": "Xian", "destination": "Duisburg", "depart": "2026-03-01"}


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    settings = ServiceSettings(store=f"sqlite:///{tmp_path / 'store.sqlite'}", job_workers=0)
    with TestClient(create_app(settings)) as c:
        yield c


def test_compare_as_csv_is_the_cli_file(client: TestClient, tmp_path: Path) -> None:
    written = CliRunner().invoke(
        cli_app, ["compare", "Xian", "Duisburg", "--depart", "2026-03-01", "--output", str(tmp_path / "c.csv")]
    )
    assert written.exit_code == 0, written.output
    answer = client.get("/v1/compare", params={**TRIP, "format": "csv"})
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/csv")
    assert 'filename="compare.csv"' in answer.headers["content-disposition"]
    assert answer.content == (tmp_path / "c.csv").read_bytes()


def test_accept_header_picks_the_format(client: TestClient) -> None:
    xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    answer = client.get("/v1/route", params={**TRIP, "alternatives": 2}, headers={"Accept": xlsx})
    assert answer.status_code == 200 and answer.headers["content-type"] == xlsx
    assert openpyxl.load_workbook(io.BytesIO(answer.content)).sheetnames == ["routes", "legs"]
    plain = client.get("/v1/route", params=TRIP, headers={"Accept": "text/html,*/*"})
    assert plain.status_code == 200 and plain.json()["routes"]  # nothing it names: JSON


def test_simulate_as_parquet_and_compare_as_geojson(client: TestClient) -> None:
    answer = client.get("/v1/simulate", params={**TRIP, "samples": 2000, "format": "parquet"})
    assert answer.status_code == 200 and answer.headers["content-type"] == "application/vnd.apache.parquet"
    summary = pd.read_parquet(io.BytesIO(answer.content))
    assert len(summary) == 1 and summary["samples"].item() == 2000
    shapes = client.get("/v1/compare", params={**TRIP, "format": "geojson"})
    assert shapes.status_code == 200 and shapes.headers["content-type"] == "application/geo+json"
    assert shapes.json() == client.get("/v1/compare/geojson", params=TRIP).json()
    as_json = client.get("/v1/compare", params={**TRIP, "format": "json"})
    assert as_json.json() == json.loads(client.get("/v1/compare", params=TRIP).content)


@pytest.mark.parametrize("path", ["/v1/compare", "/v1/route", "/v1/simulate"])
def test_unknown_format_is_a_422_naming_the_valid_ones(client: TestClient, path: str) -> None:
    answer = client.get(path, params={**TRIP, "format": "docx"})
    assert answer.status_code == 422
    error = answer.json()["error"]
    assert (
        error["code"] == "invalid_option"
        and error["message"] == "Unknown format 'docx'; valid: csv, xlsx, parquet, json, geojson"
    )

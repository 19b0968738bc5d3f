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


def test_a_scenario_jobs_result_as_a_spreadsheet(client: TestClient) -> None:
    from corridor.scenarios.files import load_scenario
    from corridor.scenarios.run import run_scenario

    state = client.app.state.corridor  # type: ignore[attr-defined]
    result = run_scenario(state.network, load_scenario("base-2024", state.network), samples=2000).to_dict()
    job = state.store.create_job("scenario", {"kind": "scenario", "scenario": "base-2024"}, created_by=None)
    state.store.update_job(job["id"], status="running")
    assert state.store.finish_job(job["id"], result)
    answer = client.get(f"/v1/jobs/{job['id']}/result", params={"format": "xlsx"})
    assert answer.status_code == 200, answer.text
    book = openpyxl.load_workbook(io.BytesIO(answer.content))
    assert book.sheetnames == ["corridors", "summary", "passages", "bottlenecks", "over_capacity", "link_flows"]
    corridors = pd.read_excel(io.BytesIO(answer.content), sheet_name="corridors")
    middle = corridors[corridors["corridor"] == "middle"].iloc[0]
    assert middle["volume_mt"] == pytest.approx(result["volumes_mt"]["middle"])
    assert middle["p90_days"] == pytest.approx(result["p90_days"]["middle"])
    refused = client.get(f"/v1/jobs/{job['id']}/result", params={"format": "geojson"})
    assert refused.status_code == 422 and "valid: csv, xlsx, parquet, json" in refused.json()["error"]["message"]


def test_data_export_of_any_result() -> None:
    from corridor.services.exports import data_export

    export = data_export({"corridor": "middle", "samples": 9, "runs": [{"depart": "2026-01-01", "p90_days": 30.1}]})
    assert list(export.tables) == ["summary", "runs"]
    assert export.tables["summary"].to_dict(orient="records") == [{"corridor": "middle", "samples": 9}]

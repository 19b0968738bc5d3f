"""GET /v1/validation: the same JSON as `corridor validate-model --json`, bad queries refused with 422."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from corridor.api.app import create_app
from corridor.api.settings import ServiceSettings
from corridor.dataset.network import Network
from corridor.services.validation import validate_model, validation_json


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    settings = ServiceSettings(store=f"sqlite:///{tmp_path / 'store.sqlite'}", job_workers=0)
    with TestClient(create_app(settings)) as c:
        yield c


def test_validation_is_the_commands_json(client: TestClient, eurasia: Network) -> None:
    answer = client.get("/v1/validation", params={"year": 2024, "kind": ["rate_usd", "transit_days"]})
    assert answer.status_code == 200, answer.text
    assert answer.json() == validation_json(validate_model(eurasia, year=2024, kinds=("rate_usd", "transit_days")))
    again = client.get("/v1/validation", params={"year": 2024, "kind": ["transit_days", "rate_usd"]})
    assert again.content == answer.content  # served from the cache


@pytest.mark.parametrize(
    ("params", "status", "text"),
    [
        ({"year": 2024, "kind": "speed"}, 422, "rtt_ms"),  # names the valid kinds
        ({"kind": "rate_usd"}, 422, "year"),  # one year at a time
        ({"year": 1000}, 422, "year"),
        ({"year": "x"}, 422, "year"),
        ({"year": 2040}, 422, "years with observations"),
    ],
)
def test_bad_queries_are_refused(client: TestClient, params: dict[str, object], status: int, text: str) -> None:
    answer = client.get("/v1/validation", params=params)
    assert answer.status_code == status, answer.text
    assert text in answer.text

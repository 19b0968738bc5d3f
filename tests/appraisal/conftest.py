"""The toy dataset with its projects (tests/fixtures/projects.py)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

import corridor
from fixtures.projects import TOY_PROJECTS, with_projects


@pytest.fixture
def toy_projects(make_dataset: Callable[..., Path]) -> Path:
    return make_dataset(with_projects(TOY_PROJECTS))


@pytest.fixture
def toy_net(toy_projects: Path) -> corridor.Network:
    return corridor.load_network(toy_projects)

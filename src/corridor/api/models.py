"""Request bodies of the service (pydantic): what a client may send, with bounds that hold for any server."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from corridor.limits import GAP, ITERATIONS, SAMPLES, SCENARIO_SAMPLES, SEED, YEAR

__all__ = [
    "AssignJob",
    "JobRequest",
    "ScenarioCreate",
    "ScenarioJob",
    "SimulateJob",
    "SweepJob",
]

SCENARIO_NAME = r"^[a-z0-9][a-z0-9_-]{0,63}$"
Place = Annotated[str, Field(min_length=1, max_length=120, description="A place name, alias or id (see /v1/places).")]
Seed = Annotated[int, Field(**SEED.query(), description="Random seed: the same seed gives the same result.")]
ScenarioName = Annotated[
    str, Field(pattern=SCENARIO_NAME, description="A library scenario or one created with POST /v1/scenarios.")
]


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ScenarioJob(_Body):
    """Run a scenario: volumes by corridor, P50/P90 days, cost, CO2e, bottlenecks and link flows; stored as a run."""

    kind: Literal["scenario"]
    scenario: ScenarioName
    samples: int = Field(6_000, **SCENARIO_SAMPLES.query(), description="Shipments simulated per corridor.")
    seed: Seed = 0


class SweepJob(_Body):
    """Run a scenario once per value of one parameter (``PATH=START:STOP:STEP``); each run is stored."""

    kind: Literal["sweep"]
    scenario: ScenarioName
    param: str = Field(min_length=3, max_length=200, examples=["capacities/kuryk-port.capacity_per_year=4Mt:8Mt:2Mt"])
    samples: int = Field(1_200, **SCENARIO_SAMPLES.query(), description="Shipments simulated per corridor and run.")
    seed: Seed = 0


class SimulateJob(_Body):
    """Simulate the door-to-door time distribution of the best route (many samples)."""

    kind: Literal["simulate"]
    origin: Place
    destination: Place
    corridor: str | None = Field(None, max_length=40)
    cargo: str = Field("FEU", max_length=10)
    avoid: str | None = Field(None, max_length=300)
    optimize: Literal["time", "cost", "co2e", "generalized"] = "generalized"
    samples: int = Field(100_000, **SAMPLES.query())
    seed: Seed = 0
    depart: str | None = Field(None, max_length=40, description="Departure date or date-time, UTC.")
    deadline: str | None = Field(None, max_length=40, description="Days after departure, or a date.")


class AssignJob(_Body):
    """Equilibrium freight assignment of a scenario's demand (the base data if no scenario): flows and v/c."""

    kind: Literal["assign"]
    scenario: ScenarioName | None = None
    year: int | None = Field(None, **YEAR.query())
    algorithm: Literal["msa", "fw", "cfw", "bfw", "bush"] = "bfw"
    gap: float = Field(1e-4, **GAP.query())
    max_iter: int = Field(1_000, **ITERATIONS.query())


JobRequest = Annotated[ScenarioJob | SweepJob | SimulateJob | AssignJob, Field(discriminator="kind")]


class ScenarioCreate(_Body):
    """A scenario to store: its name and either its YAML text or the same document as JSON."""

    name: str = Field(pattern=SCENARIO_NAME)
    yaml: str | None = Field(None, max_length=262_144, description="The scenario file's text (see docs/scenarios.md).")
    document: dict[str, Any] | None = Field(None, description="The scenario as a JSON object instead of YAML.")

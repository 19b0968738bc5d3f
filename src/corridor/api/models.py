"""Request bodies of the service (pydantic): what a client may send, with bounds that hold for any server."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from corridor.limits import GAP, GRID_YEAR, ITERATIONS, SAMPLES, SCENARIO_SAMPLES, SEED, YEAR

__all__ = [
    "AppraiseJob",
    "AssignJob",
    "CentresJob",
    "JobRequest",
    "PortfolioJob",
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
GridYear = Annotated[
    int | None,
    Field(
        **GRID_YEAR.query(),
        description="Electric rail at the CO2e intensity of the modelled grid of that year (as `corridor power`; "
        "under the job's scenario) instead of the dataset's factors; diesel traction unchanged.",
    ),
]


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ScenarioJob(_Body):
    """Run a scenario: volumes by corridor, P50/P90 days, cost, CO2e, bottlenecks and link flows; stored as a run."""

    kind: Literal["scenario"]
    scenario: ScenarioName
    samples: int = Field(6_000, **SCENARIO_SAMPLES.query(), description="Shipments simulated per corridor.")
    seed: Seed = 0
    grid_year: GridYear = None


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
    arrive_by: str | None = Field(
        None,
        max_length=40,
        description="A deadline instead of depart and deadline: the trip leaves at the latest departure that "
        "arrives by then at the 90th percentile.",
    )
    grid_year: GridYear = None


class AssignJob(_Body):
    """Equilibrium freight assignment of a scenario's demand (the base data if no scenario): flows and v/c."""

    kind: Literal["assign"]
    scenario: ScenarioName | None = None
    year: int | None = Field(None, **YEAR.query())
    algorithm: Literal["msa", "fw", "cfw", "bfw", "bush"] = "bfw"
    gap: float = Field(1e-4, **GAP.query())
    max_iter: int = Field(1_000, **ITERATIONS.query())
    grid_year: GridYear = None


Rate = Annotated[str, Field(max_length=20, description="A rate a year: 6% or 0.06.", examples=["6%"])]
ProjectId = Annotated[str, Field(min_length=1, max_length=120, description="A project of projects.csv.")]
Years = Annotated[list[Annotated[int, Field(**YEAR.query())]], Field(min_length=1, max_length=10)]


class AppraiseJob(_Body):
    """Cost-benefit analysis of a project or library scenario: benefits by year, NPV, BCR, EIRR, payback, Monte
    Carlo ranges and a tornado (docs/model.md, "Appraisal")."""

    kind: Literal["appraise"]
    target: str = Field(min_length=1, max_length=120, description="A project of projects.csv or a library scenario.")
    horizon: int = Field(2050, **YEAR.query(), description="Last year of the reference period.")
    discount: Rate = "6%"
    years: Years = Field(default_factory=lambda: [2030, 2035], description="Years whose equilibria are run.")
    samples: int = Field(1000, ge=0, le=100_000, description="Monte Carlo draws of the uncertain inputs.")
    seed: Seed = 0


class PortfolioJob(_Body):
    """The projects that maximise NPV under a budget (mixed-integer program), the greedy baseline and what each
    extra billion buys (docs/model.md, "Portfolio")."""

    kind: Literal["portfolio"]
    budget: str = Field(min_length=1, max_length=40, examples=["USD 3 bn"], description="Amount with its currency.")
    years: str = Field("2025:2030", max_length=20, description="FIRST:LAST years in which builds may start.")
    projects: list[ProjectId] | None = Field(None, max_length=200, description="Projects to choose from (all).")
    discount: Rate = "6%"
    horizon: int = Field(2050, **YEAR.query())
    equilibrium_years: Years = Field(default_factory=lambda: [2030], description="Years valuing each project.")


class CandidateSite(_Body):
    """A candidate site of a logistics centre: a place, and its capacity in tonnes a year if it has one."""

    place: Place
    capacity_t: float | None = Field(None, gt=0, le=1e12)


class CentresJob(_Body):
    """Where to place K logistics centres: capacitated p-median and maximum coverage over a year's equilibrium flows,
    and the existing centres' share of the optimum (docs/model.md, "Logistics centres")."""

    kind: Literal["centres"]
    count: int = Field(ge=1, le=1000, description="How many centres.")
    year: int = Field(2030, **YEAR.query())
    corridor: str = Field("middle", max_length=40)
    radius_km: float = Field(300.0, gt=0, le=20_000, description="Service radius of maximum coverage.")
    candidates: list[CandidateSite] | None = Field(None, max_length=1000, description="Sites (default: the places).")


JobRequest = Annotated[
    ScenarioJob | SweepJob | SimulateJob | AssignJob | AppraiseJob | PortfolioJob | CentresJob,
    Field(discriminator="kind"),
]


class ScenarioCreate(_Body):
    """A scenario to store: its name and either its YAML text or the same document as JSON."""

    name: str = Field(pattern=SCENARIO_NAME)
    yaml: str | None = Field(None, max_length=262_144, description="The scenario file's text (see docs/scenarios.md).")
    document: dict[str, Any] | None = Field(None, description="The scenario as a JSON object instead of YAML.")

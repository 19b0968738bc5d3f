"""The service's configuration: frozen, built once from the command line (``corridor serve``) or by hand."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["Limits", "ServiceSettings"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Limits:
    """Bounds on what one request may ask for; a request over one gets a 4xx answer that names it."""

    #: bytes of a request body (413 above it)
    max_body_bytes: int = 1_048_576
    #: shipments simulated by ``GET /v1/simulate`` (answered at once)
    max_sync_samples: int = 20_000
    #: shipments simulated by a simulation job
    max_job_samples: int = 500_000
    #: shipments per corridor of a scenario or sweep run
    max_scenario_samples: int = 48_000
    #: iterations of an assignment job
    max_iterations: int = 2_000
    #: values of one sweep
    max_sweep_values: int = 20
    #: routes asked of ``GET /v1/route`` (alternatives)
    max_alternatives: int = 10
    #: jobs waiting or running at once
    max_active_jobs: int = 20
    #: seconds a job may run before it is stopped and marked failed
    job_timeout_seconds: float = 900.0
    #: seconds a request computed at once (compare, route, simulate) may take before a 503 answer
    request_timeout_seconds: float = 30.0


@dataclass(frozen=True, slots=True, kw_only=True)
class ServiceSettings:
    """What ``corridor serve`` runs with.

    ``network`` is a dataset folder chosen by whoever starts the server (the embedded dataset if ``None``);
    clients never name files. ``store`` is the results store URL (see
    :func:`corridor.store.database.default_store_url`).
    """

    store: str | None = None
    network: Path | None = None
    #: answer read requests (GET) without an API key
    anonymous_read: bool = True
    #: origins allowed to call the API from a browser (CORS); none by default
    cors_origins: tuple[str, ...] = ()
    #: jobs run at once, each in its own process; 0 queues jobs without running them
    job_workers: int = 1
    #: seconds a server's claim on a running job holds unless renewed (every third of it); a job whose server
    #: stopped is failed by another server sharing the store once its lease has expired
    job_lease_seconds: float = 30.0
    #: requests computed at once (compare, route, simulate) in each server process; more wait their turn. Their
    #: engines hold the interpreter lock for much of their work: more threads only take turns with each other and
    #: with the event loop that reads and answers requests (see docs/benchmarks.md, Service)
    compute_threads: int = 2
    limits: Limits = field(default_factory=Limits)

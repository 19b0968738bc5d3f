"""The endpoints, one module per resource; :data:`ROUTERS` in the order the app includes them."""

from __future__ import annotations

from corridor.api.routers import (
    appraisal,
    demand,
    jobs,
    network,
    power,
    reliability,
    routing,
    runs,
    scenarios,
    service,
    validation,
)

__all__ = [
    "ROUTERS",
    "appraisal",
    "demand",
    "jobs",
    "network",
    "power",
    "reliability",
    "routing",
    "runs",
    "scenarios",
    "service",
    "validation",
]

#: the resources under ``/v1``, in the order of the OpenAPI document (``service`` comes first, before the static files)
ROUTERS = (
    network.router,
    routing.router,
    reliability.router,
    demand.router,
    validation.router,
    scenarios.router,
    appraisal.router,
    power.router,
    jobs.router,
    runs.router,
)

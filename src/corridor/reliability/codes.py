"""Codes of the reliability engine's arrays (stages, distributions, services), shared by its two walks."""

from __future__ import annotations

__all__ = [
    "DIST_CONSTANT",
    "DIST_EMPIRICAL",
    "DIST_LOGNORMAL",
    "DIST_QUEUE",
    "DIST_TRIANGULAR",
    "DIST_UNIFORM",
    "MONDAY_EPOCH_HOURS",
    "STAGE_DWELL",
    "STAGE_RUN",
    "STAGE_SERVICE",
    "STAGE_WEATHER",
    "SVC_REGULAR",
    "SVC_WEEKLY",
    "SVC_WHEN_FULL",
]

DIST_CONSTANT, DIST_TRIANGULAR, DIST_LOGNORMAL, DIST_UNIFORM, DIST_EMPIRICAL, DIST_QUEUE = 0, 1, 2, 3, 4, 5
STAGE_DWELL, STAGE_RUN, STAGE_SERVICE, STAGE_WEATHER = 0, 1, 2, 3
SVC_REGULAR, SVC_WEEKLY, SVC_WHEN_FULL = 0, 1, 2
#: 1970-01-05 00:00 UTC, the first Monday after the Unix epoch, in hours since the epoch.
MONDAY_EPOCH_HOURS = 96.0

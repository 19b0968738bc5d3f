"""The REST service: FastAPI app, background jobs and the web page (``corridor serve``)."""

from __future__ import annotations

from corridor.api.app import create_app
from corridor.api.settings import Limits, ServiceSettings

__all__ = ["Limits", "ServiceSettings", "create_app"]

"""The results store: SQLAlchemy tables and Alembic migrations, SQLite by default, PostgreSQL by URL."""

from __future__ import annotations

from corridor._lazy import lazy_exports

__all__ = ["Store", "default_store_url"]

__getattr__, __dir__ = lazy_exports(
    __name__,
    {
        "Store": "corridor.store.database",
        "default_store_url": "corridor.store.database",
    },
)

"""The results store: every scenario run (inputs, version, seed, outputs) in SQLite or PostgreSQL via SQLAlchemy.

The schema is created and upgraded by Alembic migrations (``corridor/migrations``). A run is written in one
transaction, so a process killed half-way leaves either the whole run or nothing. The default store is a SQLite
file in the user's data directory (``CORRIDOR_STORE`` overrides it); ``postgresql://...`` URLs use psycopg.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from corridor.errors import InvalidOptionError, StoreError

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection, Engine

    from corridor.runs import ScenarioResult

__all__ = ["Store", "default_store_url"]

MIGRATIONS = Path(__file__).parent / "migrations"


def default_store_url() -> str:
    """``CORRIDOR_STORE``, else a SQLite file ``runs.sqlite`` in the user's data directory."""
    configured = os.environ.get("CORRIDOR_STORE")
    if configured:
        return configured
    from platformdirs import user_data_dir

    folder = Path(user_data_dir("corridor", appauthor=False))
    return f"sqlite:///{folder / 'runs.sqlite'}"


def _normalize(url: str) -> str:
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def _tables() -> tuple[Any, Any]:
    import sqlalchemy as sa

    meta = sa.MetaData()
    runs = sa.Table(
        "runs",
        meta,
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("scenario", sa.String(200)),
        sa.Column("title", sa.Text()),
        sa.Column("created_at", sa.DateTime(timezone=True)),
        sa.Column("version", sa.String(40)),
        sa.Column("seed", sa.BigInteger()),
        sa.Column("samples", sa.Integer()),
        sa.Column("year", sa.Integer()),
        sa.Column("seconds", sa.Float()),
        sa.Column("inputs", sa.JSON()),
        sa.Column("outputs", sa.JSON()),
    )
    values = sa.Table(
        "run_values",
        meta,
        sa.Column("run_id", sa.String(36)),
        sa.Column("kind", sa.String(40)),
        sa.Column("key", sa.String(200)),
        sa.Column("value", sa.Float()),
    )
    return runs, values


class Store:
    """A results store at ``url`` (SQLAlchemy URL; see :func:`default_store_url`), migrated to the latest schema.

    Raises
    ------
    StoreError
        If the database cannot be reached or created (the message names the URL without its password).
    """

    def __init__(self, url: str | None = None) -> None:
        import sqlalchemy as sa
        from sqlalchemy.exc import ArgumentError, NoSuchModuleError, SQLAlchemyError

        self.url = _normalize(url or default_store_url())
        try:
            parsed = sa.engine.make_url(self.url)
        except (ArgumentError, ValueError):
            raise InvalidOptionError(
                f"Store {url!r} is not a database URL (sqlite:///PATH or postgresql://USER@HOST:PORT/DB)."
            ) from None
        self.shown = parsed.render_as_string(hide_password=True)
        if parsed.get_backend_name() not in ("sqlite", "postgresql"):
            raise InvalidOptionError(f"Store {self.shown!r}: only sqlite and postgresql are supported.")
        if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
            folder = Path(parsed.database).parent
            try:
                folder.mkdir(parents=True, exist_ok=True)
            except OSError as error:
                raise StoreError(f"Store {self.shown!r}: cannot create folder {str(folder)!r}: {error}") from None
        try:
            self.engine: Engine = sa.create_engine(self.url, future=True)
            if parsed.get_backend_name() == "sqlite":
                sa.event.listen(self.engine, "connect", _sqlite_pragmas)
            with self.engine.begin() as conn:
                self._migrate(conn)
        except NoSuchModuleError:
            raise InvalidOptionError(f"Store {self.shown!r}: no driver for this database.") from None
        except SQLAlchemyError as error:
            raise StoreError(
                f"Store {self.shown!r} cannot be opened: {error.__class__.__name__}: {_first_line(error)}"
            ) from None
        self._runs, self._values = _tables()

    def _migrate(self, conn: Connection) -> None:
        from alembic import command
        from alembic.config import Config

        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        config.attributes["connection"] = conn
        command.upgrade(config, "head")

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def _transaction(self) -> Iterator[Connection]:
        from sqlalchemy.exc import SQLAlchemyError

        try:
            with self.engine.begin() as conn:
                yield conn
        except SQLAlchemyError as error:
            raise StoreError(f"Store {self.shown!r}: {error.__class__.__name__}: {_first_line(error)}") from None

    def save(self, result: ScenarioResult, *, _fail_after_run_row: bool = False) -> str:
        """Store a run in one transaction and return its id."""
        run_id = str(uuid.uuid4())
        outputs = result.to_dict()
        rows = [
            {"run_id": run_id, "kind": kind, "key": key, "value": float(value)}
            for kind, mapping in (
                ("volumes_mt", result.volumes_mt),
                ("p50_days", result.p50_days),
                ("p90_days", result.p90_days),
                ("cost_usd_per_feu", result.cost_usd_per_feu),
                ("passages_mt", result.passages_mt),
            )
            for key, value in mapping.items()
        ]
        rows.append({"run_id": run_id, "kind": "co2e_kt", "key": "total", "value": float(result.co2e_kt)})
        rows.extend(
            {"run_id": run_id, "kind": "utilization", "key": b["element"], "value": float(b["utilization"])}
            for b in result.bottlenecks
        )
        with self._transaction() as conn:
            conn.execute(
                self._runs.insert().values(
                    id=run_id,
                    scenario=result.scenario,
                    title=result.title,
                    created_at=datetime.now(UTC),
                    version=result.version,
                    seed=result.seed,
                    samples=result.samples,
                    year=result.year,
                    seconds=result.seconds,
                    inputs=result.inputs,
                    outputs=outputs,
                )
            )
            if _fail_after_run_row:  # for the tests: a crash between the two writes
                raise RuntimeError("simulated crash")
            if rows:
                conn.execute(self._values.insert(), rows)
        return run_id

    def get(self, run_id: str) -> dict[str, Any]:
        """A stored run: its header, inputs and outputs."""
        import sqlalchemy as sa

        with self._transaction() as conn:
            row = conn.execute(sa.select(self._runs).where(self._runs.c.id == run_id)).mappings().first()
        if row is None:
            raise InvalidOptionError(f"No run {run_id!r} in store {self.shown!r}; see `corridor scenario runs`.")
        return _as_dict(row)

    def list(self, *, scenario: str | None = None, limit: int = 50, offset: int = 0) -> list[dict[str, Any]]:
        """Stored runs, newest first (header and headline values, without inputs)."""
        import sqlalchemy as sa

        query = sa.select(
            self._runs.c.id,
            self._runs.c.scenario,
            self._runs.c.title,
            self._runs.c.created_at,
            self._runs.c.version,
            self._runs.c.seed,
            self._runs.c.year,
        ).order_by(self._runs.c.created_at.desc(), self._runs.c.id)
        if scenario is not None:
            query = query.where(self._runs.c.scenario == scenario)
        with self._transaction() as conn:
            rows = conn.execute(query.limit(limit).offset(offset)).mappings().all()
        return [_as_dict(r) for r in rows]

    def run_values(self, run_id: str) -> dict[str, dict[str, float]]:
        """The headline values of a run by kind and key (volumes_mt, p90_days, co2e_kt, utilization, ...)."""
        import sqlalchemy as sa

        with self._transaction() as conn:
            rows = conn.execute(sa.select(self._values).where(self._values.c.run_id == run_id)).all()
        out: dict[str, dict[str, float]] = {}
        for _, kind, key, value in rows:
            out.setdefault(kind, {})[key] = value
        return out

    def delete(self, run_id: str) -> None:
        with self._transaction() as conn:
            conn.execute(self._values.delete().where(self._values.c.run_id == run_id))
            gone = conn.execute(self._runs.delete().where(self._runs.c.id == run_id)).rowcount
        if not gone:
            raise InvalidOptionError(f"No run {run_id!r} in store {self.shown!r}.")

    def count(self) -> int:
        import sqlalchemy as sa

        with self._transaction() as conn:
            return int(conn.execute(sa.select(sa.func.count()).select_from(self._runs)).scalar_one())


def _as_dict(row: Any) -> dict[str, Any]:
    out = dict(row)
    created = out.get("created_at")
    if isinstance(created, datetime):
        out["created_at"] = (created if created.tzinfo else created.replace(tzinfo=UTC)).isoformat()
    return out


def _first_line(error: Exception) -> str:
    return str(getattr(error, "orig", None) or error).strip().splitlines()[0][:300]


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()

"""The results store: every scenario run (inputs, version, seed, outputs) in SQLite or PostgreSQL via SQLAlchemy.

The schema is created and upgraded by Alembic migrations (``corridor/migrations``). A run is written in one
transaction, so a process killed half-way leaves either the whole run or nothing. The default store is a SQLite
file in the user's data directory (``CORRIDOR_STORE`` overrides it); ``postgresql://...`` URLs use psycopg.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import os
import re
import secrets
import threading
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from corridor.errors import ConflictError, InvalidOptionError, NotFoundError, StoreError
from corridor.io.jsontext import to_json

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection, Engine

    from corridor.scenarios.run import ScenarioResult

__all__ = ["Store", "default_store_url", "store_url_from_file"]

MIGRATIONS = Path(__file__).parent / "migrations"
#: the key of PostgreSQL's advisory lock that serialises counting and adding or claiming jobs
_JOBS_LOCK = 0x636F7272
_MIGRATING = threading.Lock()
#: what ``secrets.token_hex(4)`` makes: the id part of an API key
_KEY_ID = re.compile(r"[0-9a-f]{8}")


def default_store_url() -> str:
    """``CORRIDOR_STORE``, else the URL in the file ``CORRIDOR_STORE_FILE`` names, else a SQLite file
    ``runs.sqlite`` in the user's data directory."""
    configured = os.environ.get("CORRIDOR_STORE")
    if configured:
        return configured
    if os.environ.get("CORRIDOR_STORE_FILE"):
        return store_url_from_file(os.environ["CORRIDOR_STORE_FILE"])
    from platformdirs import user_data_dir

    folder = Path(user_data_dir("corridor", appauthor=False))
    return f"sqlite:///{folder / 'runs.sqlite'}"


def store_url_from_file(path: str | Path) -> str:
    """The store URL kept in a file (its first line that is not blank or a ``#`` comment), so that a password
    never sits on a command line or in the process list."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        reason = error.strerror if isinstance(error, OSError) else "not UTF-8 text"
        raise InvalidOptionError(f"Store file {str(path)!r} cannot be read: {reason}") from None
    lines = [line.strip() for line in text.splitlines()]
    url = next((line for line in lines if line and not line.startswith("#")), None)
    if url is None:
        raise InvalidOptionError(f"Store file {str(path)!r} holds no URL (sqlite:///PATH or postgresql://...).")
    return url


def _normalize(url: str) -> str:
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


Rows = list[dict[str, Any]]
Names = list[str]
JOB_STATUSES = ("queued", "running", "succeeded", "failed", "cancelled")
FINISHED = ("succeeded", "failed", "cancelled")


def _service_tables(meta: Any) -> tuple[Any, Any, Any]:
    import sqlalchemy as sa

    scenarios = sa.Table(
        "scenarios",
        meta,
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("title", sa.Text()),
        sa.Column("text", sa.Text()),
        sa.Column("bases", sa.JSON()),
        sa.Column("created_at", sa.DateTime(timezone=True)),
        sa.Column("created_by", sa.String(16)),
    )
    jobs = sa.Table(
        "jobs",
        meta,
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("kind", sa.String(20)),
        sa.Column("status", sa.String(12)),
        sa.Column("progress", sa.Float()),
        sa.Column("message", sa.Text()),
        sa.Column("params", sa.JSON()),
        sa.Column("result", sa.JSON()),
        sa.Column("error", sa.Text()),
        sa.Column("run_ids", sa.JSON()),
        sa.Column("created_at", sa.DateTime(timezone=True)),
        sa.Column("started_at", sa.DateTime(timezone=True)),
        sa.Column("finished_at", sa.DateTime(timezone=True)),
        sa.Column("created_by", sa.String(16)),
        sa.Column("owner", sa.String(80)),
        sa.Column("lease_until", sa.DateTime(timezone=True)),
    )
    keys = sa.Table(
        "api_keys",
        meta,
        sa.Column("id", sa.String(16), primary_key=True),
        sa.Column("name", sa.Text()),
        sa.Column("hash", sa.String(64)),
        sa.Column("created_at", sa.DateTime(timezone=True)),
        sa.Column("revoked_at", sa.DateTime(timezone=True)),
        sa.Column("admin", sa.Boolean()),
    )
    return scenarios, jobs, keys


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
        sa.Column("created_by", sa.String(16)),
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
    """A results store at ``url`` (SQLAlchemy URL; see :func:`default_store_url`), migrated to the latest schema
    (unless ``migrate`` is false: a process of a server that has migrated it).

    Raises
    ------
    StoreError
        If the database cannot be reached or created (the message names the URL without its password).
    """

    def __init__(self, url: str | None = None, *, migrate: bool = True) -> None:
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
        #: the SQLite file opened and its (device, inode): a file deleted or replaced while open is noticed
        self.file: Path | None = None
        self._identity: tuple[int, int] | None = None
        try:
            postgres = parsed.get_backend_name() == "postgresql"
            # JSON columns (job parameters and results, a run's inputs and outputs) are written by the project's
            # one JSON writer: never NaN or Infinity, which PostgreSQL's json refuses and other readers cannot read
            self.engine: Engine = sa.create_engine(
                self.url, future=True, pool_pre_ping=postgres, json_serializer=to_json
            )
            if parsed.get_backend_name() == "sqlite":
                sa.event.listen(self.engine, "connect", _sqlite_pragmas)
            with self.engine.begin() as conn:
                if migrate:
                    self._migrate(conn)
                else:  # opened by a process of a server that migrated it (a job's): reached, not migrated again
                    conn.exec_driver_sql("SELECT 1")
        except NoSuchModuleError:
            raise InvalidOptionError(f"Store {self.shown!r}: no driver for this database.") from None
        except SQLAlchemyError as error:
            raise StoreError(
                f"Store {self.shown!r} cannot be opened: {error.__class__.__name__}: {_first_line(error)}"
            ) from None
        if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
            self.file = Path(parsed.database).absolute()
            st = self.file.stat()
            self._identity = (st.st_dev, st.st_ino)
        self._runs, self._values = _tables()
        import sqlalchemy as sa

        self._scenarios, self._jobs, self._keys = _service_tables(sa.MetaData())

    def _migrate(self, conn: Connection) -> None:
        from alembic import command
        from alembic.config import Config

        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        config.attributes["connection"] = conn
        with _MIGRATING:  # Alembic keeps its context in module globals: one migration at a time per process
            command.upgrade(config, "head")

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _check_file(self) -> None:
        """:class:`StoreError` if the SQLite file opened is gone, replaced or read-only.

        SQLite keeps writing to a deleted file through the connections it holds (writes acknowledged, then lost)
        and opens a new empty file for a new connection; so every transaction checks the file first.
        """
        if self.file is None:
            return
        try:
            st = self.file.stat()
        except OSError as error:
            raise StoreError(
                f"Store {self.shown!r}: the database file is gone ({error.strerror}); it was deleted or moved "
                "while open, and nothing more is written; restore it and restart the server."
            ) from None
        if (st.st_dev, st.st_ino) != self._identity:
            raise StoreError(
                f"Store {self.shown!r}: the database file was replaced by another file while open; "
                "nothing more is written; restart the server to open the new one."
            )
        if not os.access(self.file, os.W_OK) or not os.access(self.file.parent, os.W_OK):
            raise StoreError(f"Store {self.shown!r}: the database file or its folder is not writable.")

    def check(self) -> None:
        """:class:`StoreError` naming the reason unless the store opened is still there and answers."""
        import sqlalchemy as sa

        with self._transaction() as conn:
            conn.execute(sa.text("SELECT 1")).scalar_one()

    @contextmanager
    def _transaction(self) -> Iterator[Connection]:
        from sqlalchemy.exc import SQLAlchemyError

        self._check_file()
        try:
            with self.engine.begin() as conn:
                yield conn
        except SQLAlchemyError as error:
            raise StoreError(f"Store {self.shown!r}: {error.__class__.__name__}: {_first_line(error)}") from None

    def save(self, result: ScenarioResult, *, created_by: str | None = None, _fail_after_run_row: bool = False) -> str:
        """Store a run in one transaction and return its id; ``created_by`` is the id of the API key that owns it
        (none from the command line: then admin keys only may delete it through the service)."""
        with self._transaction() as conn:
            return self._insert_run(conn, result, created_by=created_by, _fail_after_run_row=_fail_after_run_row)

    def _insert_run(
        self,
        conn: Connection,
        result: ScenarioResult,
        *,
        created_by: str | None = None,
        _fail_after_run_row: bool = False,
    ) -> str:
        run_id = str(uuid.uuid4())
        outputs = result.to_dict()
        rows: list[dict[str, Any]] = [
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
        # a value that is not finite has no headline value (SQLite would store NaN as NULL and refuse the run);
        # the outputs keep it, as null
        rows = [r for r in rows if math.isfinite(r["value"])]
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
                created_by=created_by,
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
            raise NotFoundError(f"No run {run_id!r} in store {self.shown!r}; see `corridor scenario runs`.")
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
            raise NotFoundError(f"No run {run_id!r} in store {self.shown!r}.")

    def count(self, *, scenario: str | None = None) -> int:
        import sqlalchemy as sa

        query = sa.select(sa.func.count()).select_from(self._runs)
        if scenario is not None:
            query = query.where(self._runs.c.scenario == scenario)
        with self._transaction() as conn:
            return int(conn.execute(query).scalar_one())

    # --- scenarios sent to the service ---------------------------------------------------------------------------

    def save_scenario(self, name: str, text: str, *, title: str, bases: Names, created_by: str | None) -> None:
        """Add a scenario (its YAML text); a name already stored raises :class:`ConflictError`."""
        from sqlalchemy.exc import IntegrityError

        self._check_file()
        try:
            with self.engine.begin() as conn:
                conn.execute(
                    self._scenarios.insert().values(
                        name=name,
                        title=title,
                        text=text,
                        bases=bases,
                        created_at=datetime.now(UTC),
                        created_by=created_by,
                    )
                )
        except IntegrityError:
            raise ConflictError(f"Scenario {name!r} exists already; delete it first or choose another name.") from None
        except Exception as error:
            self._raise(error)

    def get_scenario(self, name: str) -> dict[str, Any] | None:
        import sqlalchemy as sa

        with self._transaction() as conn:
            row = conn.execute(sa.select(self._scenarios).where(self._scenarios.c.name == name)).mappings().first()
        return None if row is None else _as_dict(row)

    def list_scenarios(self) -> Rows:
        import sqlalchemy as sa

        with self._transaction() as conn:
            rows = conn.execute(sa.select(self._scenarios).order_by(self._scenarios.c.name)).mappings().all()
        return [_as_dict(r) for r in rows]

    def delete_scenario(self, name: str) -> None:
        """Remove a stored scenario; one that another stored scenario builds on raises :class:`ConflictError`."""
        import sqlalchemy as sa

        with self._transaction() as conn:
            rows = conn.execute(sa.select(self._scenarios.c.name, self._scenarios.c.bases)).all()
            users = sorted(other for other, bases in rows if name in (bases or []))
            if users:
                raise ConflictError(f"Scenario {name!r} is the base of {', '.join(users)}; delete those first.")
            gone = conn.execute(self._scenarios.delete().where(self._scenarios.c.name == name)).rowcount
        if not gone:
            raise NotFoundError(f"No stored scenario {name!r}.")

    # --- background jobs -------------------------------------------------------------------------------------------

    @contextmanager
    def _locked(self) -> Iterator[Connection]:
        """A transaction that holds the store's job lock from its start: ``BEGIN IMMEDIATE`` on SQLite (the write
        lock, so no other transaction writes between this one's reads and writes), a transaction-scoped advisory
        lock on PostgreSQL. Transactions that count jobs and then add or claim them take it."""
        with self._transaction() as conn:
            if self.engine.dialect.name == "sqlite":
                conn.exec_driver_sql("BEGIN IMMEDIATE")
            else:
                conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_JOBS_LOCK})")
            yield conn

    def create_job(
        self, kind: str, params: dict[str, Any], *, created_by: str | None, max_active: int | None = None
    ) -> dict[str, Any]:
        """Queue a job. With ``max_active``, the jobs queued or running are counted and the job added in one locked
        transaction, so concurrent submissions (from any number of servers) never pass the limit: over it, a
        :class:`~corridor.errors.LimitError` naming ``max_active_jobs``."""
        import sqlalchemy as sa

        from corridor.errors import LimitError

        job_id = str(uuid.uuid4())
        with self._locked() if max_active is not None else self._transaction() as conn:
            if max_active is not None:
                active = conn.execute(
                    sa.select(sa.func.count())
                    .select_from(self._jobs)
                    .where(self._jobs.c.status.in_(("queued", "running")))
                ).scalar_one()
                if active >= max_active:
                    raise LimitError("max_active_jobs", int(active) + 1, max_active, "active jobs")
            conn.execute(
                self._jobs.insert().values(
                    id=job_id,
                    kind=kind,
                    status="queued",
                    progress=0.0,
                    message="queued",
                    params=params,
                    result=None,
                    error=None,
                    run_ids=[],
                    created_at=datetime.now(UTC),
                    created_by=created_by,
                )
            )
        return self.get_job(job_id)

    def get_job(self, job_id: str, *, with_result: bool = False) -> dict[str, Any]:
        import sqlalchemy as sa

        columns = [c for c in self._jobs.c if with_result or c.name != "result"]
        with self._transaction() as conn:
            row = conn.execute(sa.select(*columns).where(self._jobs.c.id == job_id)).mappings().first()
        if row is None:
            raise NotFoundError(f"No job {job_id!r}.")
        return _as_dict(row)

    def list_jobs(self, *, status: str | None = None, limit: int = 50, offset: int = 0) -> tuple[Rows, int]:
        """Jobs newest first (without results) and how many there are in all."""
        import sqlalchemy as sa

        columns = [c for c in self._jobs.c if c.name != "result"]
        query = sa.select(*columns).order_by(self._jobs.c.created_at.desc(), self._jobs.c.id)
        count = sa.select(sa.func.count()).select_from(self._jobs)
        if status is not None:
            query = query.where(self._jobs.c.status == status)
            count = count.where(self._jobs.c.status == status)
        with self._transaction() as conn:
            rows = conn.execute(query.limit(limit).offset(offset)).mappings().all()
            total = int(conn.execute(count).scalar_one())
        return [_as_dict(r) for r in rows], total

    def queued_jobs(self) -> Names:
        import sqlalchemy as sa

        query = sa.select(self._jobs.c.id).where(self._jobs.c.status == "queued").order_by(self._jobs.c.created_at)
        with self._transaction() as conn:
            return [r[0] for r in conn.execute(query).all()]

    def claim_jobs(self, owner: str, count: int, *, lease_seconds: float) -> Names:
        """Claim up to ``count`` queued jobs, oldest first, for the server instance ``owner``: each becomes
        ``running`` with ``owner`` and a lease of ``lease_seconds``. Two servers never claim the same job
        (``SELECT ... FOR UPDATE SKIP LOCKED`` on PostgreSQL; the write lock and a conditional update on SQLite)."""
        import sqlalchemy as sa

        if count <= 0:
            return []
        now = datetime.now(UTC)
        query = (
            sa.select(self._jobs.c.id)
            .where(self._jobs.c.status == "queued")
            .order_by(self._jobs.c.created_at, self._jobs.c.id)
            .limit(count)
        )
        claimed: Names = []
        sqlite = self.engine.dialect.name == "sqlite"
        with self._locked() if sqlite else self._transaction() as conn:
            if not sqlite:
                query = query.with_for_update(skip_locked=True)
            for job_id in [r[0] for r in conn.execute(query).all()]:
                done = conn.execute(
                    self._jobs.update()
                    .where(self._jobs.c.id == job_id, self._jobs.c.status == "queued")
                    .values(
                        status="running",
                        message="starting",
                        started_at=now,
                        owner=owner,
                        lease_until=now + timedelta(seconds=lease_seconds),
                    )
                ).rowcount
                if done:
                    claimed.append(job_id)
        return claimed

    def renew_leases(self, owner: str, job_ids: Sequence[str], *, lease_seconds: float) -> Names:
        """Extend the leases of ``owner``'s running jobs; returns those it still holds (a job cancelled, failed or
        recovered by another server meanwhile is not among them, and its worker must stop)."""
        import sqlalchemy as sa

        if not job_ids:
            return []
        now = datetime.now(UTC)
        held = sa.and_(
            self._jobs.c.id.in_(list(job_ids)),
            self._jobs.c.status == "running",
            self._jobs.c.owner == owner,
            self._jobs.c.lease_until > now,
        )
        with self._transaction() as conn:
            conn.execute(self._jobs.update().where(held).values(lease_until=now + timedelta(seconds=lease_seconds)))
            rows = conn.execute(
                sa.select(self._jobs.c.id).where(
                    self._jobs.c.id.in_(list(job_ids)), self._jobs.c.status == "running", self._jobs.c.owner == owner
                )
            ).all()
        return [r[0] for r in rows]

    def holds_lease(self, job_id: str, owner: str) -> bool:
        """Whether ``owner`` still runs ``job_id`` under a lease that has not expired."""
        import sqlalchemy as sa

        with self._transaction() as conn:
            row = conn.execute(sa.select(self._jobs.c.id).where(*self._held(job_id, owner, datetime.now(UTC)))).first()
        return row is not None

    def _held(self, job_id: str, owner: str | None, now: datetime) -> Any:
        conditions = [self._jobs.c.id == job_id, self._jobs.c.status == "running"]
        if owner is not None:
            conditions += [self._jobs.c.owner == owner, self._jobs.c.lease_until > now]
        return conditions

    def update_job(
        self, job_id: str, *, only_if: tuple[str, ...] = ("queued", "running"), owner: str | None = None, **values: Any
    ) -> bool:
        """Set fields of a job that is still in one of ``only_if`` (and, with ``owner``, still held by that server
        under a live lease); ``False`` if it was not (cancelled, failed, recovered by another server)."""
        if values.get("status") in FINISHED or values.get("status") == "running":
            key = "finished_at" if values["status"] in FINISHED else "started_at"
            values.setdefault(key, datetime.now(UTC))
        conditions = [self._jobs.c.id == job_id, self._jobs.c.status.in_(only_if)]
        if owner is not None:
            conditions += [self._jobs.c.owner == owner, self._jobs.c.lease_until > datetime.now(UTC)]
        with self._transaction() as conn:
            done = conn.execute(self._jobs.update().where(*conditions).values(**values)).rowcount
        return bool(done)

    def finish_job(
        self, job_id: str, result: dict[str, Any], runs: Sequence[ScenarioResult] = (), *, owner: str | None = None
    ) -> bool:
        """Save a job's runs and result and mark it succeeded, all in one transaction, if it is still running (and,
        with ``owner``, still held by that server under a live lease). The job's row is updated first, so the
        transaction holds it (PostgreSQL) or the write lock (SQLite) before any run is written."""
        import sqlalchemy as sa

        now = datetime.now(UTC)
        with self._transaction() as conn:
            done = conn.execute(
                self._jobs.update()
                .where(*self._held(job_id, owner, now))
                .values(status="succeeded", progress=1.0, message="done", finished_at=now)
            ).rowcount
            if not done:
                return False
            # the runs are the job's key's, as the job is
            owner_key = conn.execute(sa.select(self._jobs.c.created_by).where(self._jobs.c.id == job_id)).scalar()
            run_ids = [self._insert_run(conn, r, created_by=owner_key) for r in runs]
            if run_ids:
                result = {**result, "run_ids": run_ids}
            conn.execute(self._jobs.update().where(self._jobs.c.id == job_id).values(result=result, run_ids=run_ids))
        return True

    def fail_expired_jobs(self) -> int:
        """Mark running jobs whose lease has expired (their server stopped, or lost the store) as failed; a job
        whose server still renews its lease is never touched. Returns how many."""
        import sqlalchemy as sa

        now = datetime.now(UTC)
        expired = sa.or_(self._jobs.c.lease_until.is_(None), self._jobs.c.lease_until <= now)
        with self._transaction() as conn:
            return int(
                conn.execute(
                    self._jobs.update()
                    .where(self._jobs.c.status == "running", expired)
                    .values(
                        status="failed",
                        error="interrupted: the server running the job stopped (its lease expired)",
                        message="interrupted",
                        finished_at=now,
                    )
                ).rowcount
            )

    # --- API keys --------------------------------------------------------------------------------------------------

    def create_api_key(self, name: str, *, admin: bool = False) -> tuple[str, str]:
        """A new key: returns (key id, the key itself). Only its SHA-256 hash is stored; the key is shown once.

        A key owns the scenarios, jobs and runs it makes: only it may delete or cancel them, or an ``admin`` key.
        """
        key_id = secrets.token_hex(4)
        key = f"cor_{key_id}_{secrets.token_urlsafe(32)}"
        with self._transaction() as conn:
            conn.execute(
                self._keys.insert().values(
                    id=key_id,
                    name=name,
                    hash=_hash_key(key),
                    created_at=datetime.now(UTC),
                    revoked_at=None,
                    admin=admin,
                )
            )
        return key_id, key

    def check_api_key(self, key: str) -> str | None:
        """The key's id if ``key`` is a valid, unrevoked key; else ``None``."""
        import sqlalchemy as sa

        parts = key.split("_")
        # the id is looked up: one that could not have been made (a NUL byte, any length) never reaches the store
        if len(parts) < 3 or parts[0] != "cor" or not _KEY_ID.fullmatch(parts[1]):
            return None
        with self._transaction() as conn:
            row = conn.execute(
                sa.select(self._keys.c.hash, self._keys.c.revoked_at).where(self._keys.c.id == parts[1])
            ).first()
        if row is None or row[1] is not None or not hmac.compare_digest(row[0], _hash_key(key)):
            return None
        return parts[1]

    def is_admin_key(self, key_id: str) -> bool:
        """Whether ``key_id`` is an unrevoked admin key (one that may change what other keys made)."""
        import sqlalchemy as sa

        with self._transaction() as conn:
            admin = conn.execute(
                sa.select(self._keys.c.admin).where(self._keys.c.id == key_id, self._keys.c.revoked_at.is_(None))
            ).scalar_one_or_none()
        return bool(admin)

    def list_api_keys(self) -> Rows:
        import sqlalchemy as sa

        columns = [c for c in self._keys.c if c.name != "hash"]
        with self._transaction() as conn:
            rows = conn.execute(sa.select(*columns).order_by(self._keys.c.created_at)).mappings().all()
        return [_as_dict(r) for r in rows]

    def revoke_api_key(self, key_id: str) -> None:
        with self._transaction() as conn:
            done = conn.execute(
                self._keys.update()
                .where(self._keys.c.id == key_id, self._keys.c.revoked_at.is_(None))
                .values(revoked_at=datetime.now(UTC))
            ).rowcount
        if not done:
            raise NotFoundError(f"No active API key {key_id!r} in store {self.shown!r}; see `corridor apikey list`.")

    def _raise(self, error: Exception) -> None:
        from sqlalchemy.exc import SQLAlchemyError

        if isinstance(error, SQLAlchemyError):
            raise StoreError(f"Store {self.shown!r}: {error.__class__.__name__}: {_first_line(error)}") from None
        raise error


def _hash_key(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def _as_dict(row: Any) -> dict[str, Any]:
    out = dict(row)
    for key, value in out.items():
        if isinstance(value, datetime):
            out[key] = (value if value.tzinfo else value.replace(tzinfo=UTC)).isoformat()
    return out


def _first_line(error: Exception) -> str:
    return str(getattr(error, "orig", None) or error).strip().splitlines()[0][:300]


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()

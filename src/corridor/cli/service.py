"""Command ``serve`` and the ``apikey`` group: the REST API and its keys."""

from __future__ import annotations

from typing import Annotated

import typer

from corridor.cli._options import JsonOpt, NetworkOpt, StoreFileOpt, StoreOpt, store_url
from corridor.cli._output import get_console, print_json


def serve(
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="Port to listen on.", min=1, max=65535)] = 8000,
    store: StoreOpt = None,
    store_file: StoreFileOpt = None,
    network: NetworkOpt = None,
    anonymous_read: Annotated[
        bool,
        typer.Option("--anonymous-read/--no-anonymous-read", help="Answer read requests without an API key."),
    ] = True,
    cors_origin: Annotated[
        list[str] | None, typer.Option("--cors-origin", help="An origin allowed to call the API from a browser.")
    ] = None,
    job_workers: Annotated[int, typer.Option("--job-workers", help="Jobs run at once (one process each).", min=0)] = 1,
    max_body_bytes: Annotated[int, typer.Option("--max-body-bytes", help="Largest request body.", min=1)] = 1_048_576,
    max_job_samples: Annotated[
        int, typer.Option("--max-job-samples", help="Most shipments of a simulation job.", min=1)
    ] = 500_000,
    max_scenario_samples: Annotated[
        int, typer.Option("--max-scenario-samples", help="Most samples per corridor of a scenario run.", min=120)
    ] = 48_000,
    max_sweep_values: Annotated[int, typer.Option("--max-sweep-values", help="Most values of a sweep.", min=1)] = 20,
    max_iterations: Annotated[
        int, typer.Option("--max-iterations", help="Most iterations of an assignment job.", min=1)
    ] = 2_000,
    job_timeout: Annotated[float, typer.Option("--job-timeout", help="Seconds a job may run.", min=1)] = 900.0,
    workers: Annotated[
        int,
        typer.Option(
            "--workers",
            help="Server processes, each on the port with a socket of its own, each runs jobs.",
            min=1,
            max=64,
        ),
    ] = 1,
    job_lease: Annotated[
        float,
        typer.Option(
            "--job-lease", help="Seconds a server's claim on a running job holds unless renewed.", min=1, max=3600
        ),
    ] = 30.0,
) -> None:
    """Serve the REST API (/v1, OpenAPI at /docs) and the web map (/) with background jobs."""
    import uvicorn

    from corridor.api import Limits, ServiceSettings, create_app

    limits = Limits(
        max_body_bytes=max_body_bytes,
        max_job_samples=max_job_samples,
        max_scenario_samples=max_scenario_samples,
        max_sweep_values=max_sweep_values,
        max_iterations=max_iterations,
        job_timeout_seconds=job_timeout,
    )
    settings = ServiceSettings(
        store=store_url(store, store_file),
        network=network,
        anonymous_read=anonymous_read,
        cors_origins=tuple(cors_origin or ()),
        job_workers=job_workers,
        job_lease_seconds=job_lease,
        limits=limits,
    )
    console = get_console(stderr=True)
    if workers == 1:
        service = create_app(settings)
        held = service.state.corridor
        shown, version, interrupted = held.store.shown, service.version, held.store.fail_expired_jobs()
    else:
        import os

        from corridor._version import __version__
        from corridor.api.app import SETTINGS_VARIABLE, settings_to_json
        from corridor.store.database import Store

        with Store(settings.store) as opened:  # migrated once here, before the workers open it
            shown, version, interrupted = opened.shown, __version__, opened.fail_expired_jobs()
        os.environ[SETTINGS_VARIABLE] = settings_to_json(settings)
    each = f", {workers} workers" if workers > 1 else ""
    console.print(f"corridor {version}: http://{host}:{port}/ (API /v1, docs /docs), store {shown}{each}")
    if interrupted:
        console.print(f"{interrupted} job(s) whose server stopped (lease expired) marked failed")
    if workers == 1:
        uvicorn.run(service, host=host, port=port, log_level="warning", timeout_keep_alive=5)
    else:  # each process on a socket of its own: the kernel spreads the connections (see corridor.api.workers)
        from corridor.api.workers import serve_workers

        status = serve_workers(workers, host, port, timeout_keep_alive=5)
        if status:
            raise typer.Exit(status)


apikey_app = typer.Typer(name="apikey", help="API keys of the service (stored hashed).", no_args_is_help=True)


@apikey_app.command("create")
def apikey_create(
    name: Annotated[str, typer.Option("--name", help="Who or what the key is for.")] = "default",
    admin: Annotated[
        bool, typer.Option("--admin", help="May delete and cancel what other keys made (scenarios, jobs).")
    ] = False,
    store: StoreOpt = None,
    store_file: StoreFileOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Create an API key; it is printed once (only its hash is stored). A key owns what it makes."""
    from corridor.store.database import Store

    with Store(store_url(store, store_file)) as target:
        key_id, key = target.create_api_key(name, admin=admin)
        shown = target.shown
    if as_json:
        print_json({"id": key_id, "name": name, "admin": admin, "key": key, "store": shown})
        return
    print(key)
    kind = "admin API key" if admin else "API key"
    get_console(stderr=True).print(f"{kind} {key_id} ({name}) in {shown}: keep it now, it is not shown again.")


@apikey_app.command("list")
def apikey_list(store: StoreOpt = None, store_file: StoreFileOpt = None, as_json: JsonOpt = False) -> None:
    """API keys (ids, names, admin, dates; never the keys)."""
    from corridor.store.database import Store

    with Store(store_url(store, store_file)) as target:
        keys = target.list_api_keys()
    if as_json:
        print_json(keys)
        return
    from rich.table import Table

    table = Table(title=f"{len(keys)} API keys")
    for column in ("id", "name", "admin", "created", "revoked"):
        table.add_column(column)
    for k in keys:
        table.add_row(k["id"], k["name"], "admin" if k["admin"] else "", k["created_at"], k["revoked_at"] or "")
    get_console().print(table)


@apikey_app.command("revoke")
def apikey_revoke(
    key_id: Annotated[str, typer.Argument(help="The key's id (see `corridor apikey list`).")],
    store: StoreOpt = None,
    store_file: StoreFileOpt = None,
) -> None:
    """Revoke an API key: it is refused from then on."""
    from corridor.store.database import Store

    with Store(store_url(store, store_file)) as target:
        target.revoke_api_key(key_id)
    get_console(stderr=True).print(f"API key {key_id} revoked")

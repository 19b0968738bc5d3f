"""Jobs: submit a scenario, sweep, simulation or assignment to run in the background; follow, fetch, cancel."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Query, Response

from corridor.api.deps import JobId, Limit, Offset, Reader, ServiceState, State, Writer, check_owner, page
from corridor.api.formats import Accept, Format, file_response, requested
from corridor.api.jobs import prepare
from corridor.api.models import JobRequest
from corridor.api.responses import json_bytes
from corridor.errors import ConflictError, LimitError

__all__ = ["router"]

router = APIRouter(tags=["jobs"])

Status = Annotated[
    str | None, Query(pattern="^(queued|running|succeeded|failed|cancelled)$", description="Only these.")
]


def _job_view(job: dict[str, Any]) -> dict[str, Any]:
    """A job as clients see it: no result (see ``result_url``) and no key id."""
    view = {k: v for k, v in job.items() if k not in ("result", "created_by")}
    view["result_url"] = f"/v1/jobs/{job['id']}/result" if job["status"] == "succeeded" else None
    return view


def _submit(state: ServiceState, params: dict[str, Any], key: str, response: Response) -> dict[str, Any]:
    """Check the job (limits, places, names), queue it and wake the runner."""
    limits = state.settings.limits
    _, active = state.store.list_jobs(status="queued", limit=1)
    _, running = state.store.list_jobs(status="running", limit=1)
    if active + running >= limits.max_active_jobs:  # early, before the checks; the limit holds in create_job
        raise LimitError("max_active_jobs", active + running + 1, limits.max_active_jobs, "active jobs")
    prepare(params, state.network, state.store, limits)
    job = state.store.create_job(params["kind"], params, created_by=key, max_active=limits.max_active_jobs)
    state.runner.wake()
    response.headers["Location"] = f"/v1/jobs/{job['id']}"
    return _job_view(job)


@router.post("/v1/jobs", status_code=202, summary="Submit a job: scenario, sweep, simulate or assign")
def submit(key: Writer, state: State, body: Annotated[JobRequest, Body()], response: Response) -> dict[str, Any]:
    return _submit(state, body.model_dump(), key, response)


@router.get("/v1/jobs", summary="Jobs, newest first")
def jobs(_: Reader, state: State, status: Status = None, limit: Limit = 50, offset: Offset = 0) -> dict[str, Any]:
    rows, total = state.store.list_jobs(status=status, limit=limit, offset=offset)
    return page([_job_view(r) for r in rows], total, limit, offset)


@router.get("/v1/jobs/{job_id}", summary="A job's status and progress")
def job(_: Reader, state: State, job_id: JobId) -> dict[str, Any]:
    return _job_view(state.store.get_job(job_id))


@router.get("/v1/jobs/{job_id}/result", summary="A finished job's result (JSON, or a file by format= or Accept)")
def job_result(_: Reader, state: State, job_id: JobId, fmt: Format = None, accept: Accept = None) -> Response:
    wanted = requested(fmt, accept, geojson=False)
    job = state.store.get_job(job_id, with_result=True)
    if job["status"] != "succeeded":
        detail = f": {job['error']}" if job.get("error") else ""
        raise ConflictError(f"Job {job_id} has no result: it is {job['status']}{detail}.")
    if wanted == "json":
        return Response(json_bytes(job["result"]), media_type="application/json")
    from corridor.services.exports import job_export

    return file_response(job_export(str(job["kind"]), job["result"]), wanted, f"{job['kind']}-{job_id[:8]}")


@router.post("/v1/jobs/{job_id}/cancel", summary="Cancel a queued or running job (its key's or by admin)")
def cancel(key: Writer, state: State, job_id: JobId) -> dict[str, Any]:
    job = state.store.get_job(job_id)
    check_owner(state, key, job["created_by"], f"Job {job_id}")
    if job["status"] in ("succeeded", "failed", "cancelled"):
        raise ConflictError(f"Job {job_id} has finished ({job['status']}); nothing to cancel.")
    state.runner.cancel(job_id)
    return _job_view(state.store.get_job(job_id))

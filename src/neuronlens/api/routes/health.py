"""Liveness and readiness probes."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from fastapi import APIRouter
from fastapi.responses import JSONResponse

from neuronlens.api.deps import ServicesDep

router = APIRouter(tags=["health"])


@router.get("/healthz")
def healthz() -> dict[str, Any]:
    """The process is up."""
    return {"status": "ok"}


@router.get("/readyz")
def readyz(services: ServicesDep) -> JSONResponse:
    """The process can reach its database and (in Celery mode) its queue broker."""
    try:
        with services.repository.engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
    except sa.exc.SQLAlchemyError as exc:
        return JSONResponse({"status": "unavailable", "database": str(exc)[:200]}, status_code=503)
    broker_error = services.queue.broker_error()
    if broker_error is not None:
        return JSONResponse({"status": "unavailable", "broker": broker_error}, status_code=503)
    return JSONResponse({"status": "ready"})

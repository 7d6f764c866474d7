"""Errors become HTTP responses in one place: ``{"error": {"code", "message", ...}}``."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy import exc as sa_exc
from starlette.exceptions import HTTPException

from neuronlens.errors import APIError, NeuronLensError, ServiceUnavailable
from neuronlens.redact import install_log_redaction

log = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 5
"""What a 503 (broker or database briefly down) asks the client to wait before retrying."""


def error_response(status: int, code: str, message: str, **extra: Any) -> JSONResponse:
    """The one error shape of the API."""
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse(
        {"error": {"code": code, "message": message, **extra}}, status_code=status, headers=headers
    )


ERROR_SCHEMA: dict[str, Any] = {
    "title": "Error",
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {
                "code": {"type": "string", "description": "stable, machine-readable"},
                "message": {"type": "string", "description": "human-readable"},
            },
            "additionalProperties": True,
        }
    },
}
_ERRORS = {
    "400": "Bad request",
    "401": "Missing or invalid API key",
    "404": "Not found (or owned by another account)",
    "405": "Method not allowed",
    "413": "Request body too large",
    "422": "Invalid request",
    "429": "Rate limit or unfinished-jobs cap reached; see Retry-After",
    "503": "A dependency (database, broker) is briefly unavailable; see Retry-After",
}


def document_errors(app: FastAPI) -> None:
    """Describe the one error shape for every operation in the OpenAPI document.

    FastAPI documents only its own 422 shape (``{"detail": [...]}``), which this API never sends.
    """
    generate = app.openapi
    documented: list[dict[str, Any]] = []

    def openapi() -> dict[str, Any]:
        if documented:
            return documented[0]
        schema = generate()
        schema.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
        ref = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
        for path_item in schema.get("paths", {}).values():
            for operation in path_item.values():
                if "health" in operation.get("tags", []):
                    continue  # probes answer in their own shape and take no input
                responses = operation.setdefault("responses", {})
                for status, description in _ERRORS.items():
                    if status == "422" or status not in responses:
                        responses[status] = {"description": description, "content": ref}
                retry_after = {"schema": {"type": "integer"}, "description": "seconds to wait"}
                for status in ("429", "503"):
                    responses[status].setdefault("headers", {})["Retry-After"] = retry_after
        for unused in ("HTTPValidationError", "ValidationError"):
            schema["components"]["schemas"].pop(unused, None)
        documented.append(schema)
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


def _detail(err: Any) -> dict[str, str]:
    """One pydantic/FastAPI validation error as ``{"field", "message"}``, in plain words."""
    if err.get("type") == "json_invalid":  # loc is ("body", character offset)
        at = err["loc"][1] if len(err["loc"]) > 1 else "?"
        reason = (err.get("ctx") or {}).get("error", "malformed")
        return {"field": "", "message": f"the body is not valid JSON: {reason} at character {at}"}
    field = ".".join(str(part) for part in err["loc"][1:])
    return {"field": field, "message": str(err["msg"]).removeprefix("Value error, ")}


def install_error_handlers(app: FastAPI) -> None:
    """Map domain errors, validation errors and HTTP errors to the error shape."""
    document_errors(app)
    install_log_redaction()  # no API key, bearer token or signed URL query reaches a log

    @app.exception_handler(NeuronLensError)
    async def _domain(_request: Request, exc: NeuronLensError) -> JSONResponse:
        status = exc.http_status if isinstance(exc, APIError) else 422
        response = error_response(status, exc.code, exc.message, **getattr(exc, "extra", {}))
        response.headers.update(getattr(exc, "headers", None) or {})  # e.g. 429's Retry-After
        return response

    @app.exception_handler(RequestValidationError)
    async def _validation(_request: Request, exc: RequestValidationError) -> JSONResponse:
        details = [_detail(err) for err in exc.errors()]
        summary = "; ".join(
            f"{d['field']}: {d['message']}" if d["field"] else d["message"] for d in details
        )
        return error_response(
            422, "validation_error", summary or "invalid request", details=details
        )

    @app.exception_handler(HTTPException)
    async def _http(_request: Request, exc: HTTPException) -> JSONResponse:
        code = {
            400: "invalid_body",  # FastAPI: "There was an error parsing the body"
            404: "not_found",
            405: "method_not_allowed",
            413: "request_too_large",
        }.get(exc.status_code, "http_error")
        return error_response(exc.status_code, code, str(exc.detail))

    @app.exception_handler(ServiceUnavailable)
    async def _unavailable(_request: Request, exc: ServiceUnavailable) -> JSONResponse:
        response = error_response(503, exc.code, exc.message)
        response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response

    async def _database_down(_request: Request, exc: Exception) -> JSONResponse:
        log.warning("database unavailable: %s", str(exc).splitlines()[0][:200])
        message = "the database is unavailable; retry in a few seconds"
        response = error_response(503, "database_unavailable", message)
        response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response

    for db_error in (sa_exc.OperationalError, sa_exc.InterfaceError, sa_exc.TimeoutError):
        app.add_exception_handler(db_error, _database_down)

    @app.exception_handler(Exception)
    async def _unexpected(_request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error", exc_info=exc)
        return error_response(500, "internal_error", "an unexpected error occurred")

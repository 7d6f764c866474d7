"""QA → Scorecards: list, create, edit (new version per save), history, archive, import, export."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, JSONResponse, Response

from neuronlens.analysis.scorecard_schema import (
    KINDS,
    ScorecardInvalid,
    parse_scorecard,
    scorecard_to_json,
)
from neuronlens.api.deps import ServicesDep
from neuronlens.dashboard.auth import Viewer, ViewerDep
from neuronlens.dashboard.forms import PostViewerDep, see_other
from neuronlens.dashboard.render import not_found, page
from neuronlens.domain import StoredScorecard
from neuronlens.errors import NotFound
from neuronlens.storage.scorecards import ScorecardArchived, ScorecardRepository

router = APIRouter(include_in_schema=False)
MAX_IMPORT_BYTES = 512 * 1024
STARTER: dict[str, Any] = {
    "name": "",
    "pass_threshold": 70,
    "sections": [
        {
            "name": "Opening",
            "criteria": [
                {
                    "id": "greeting",
                    "question": "Did the agent greet the customer and name the company?",
                    "weight": 10,
                    "fatal": False,
                    "kind": "required",
                    "within_seconds": 30,
                    "examples": {"en": ["Thank you for calling, how may I help you?"]},
                }
            ],
        }
    ],
}
DONE = {
    "created": "Scorecard created (version 1).",
    "saved": "Saved as a new version. Calls already scored keep the version they used.",
    "archived": "Scorecard archived: new calls cannot use it; its versions stay readable.",
    "imported": "Scorecard imported (version 1).",
}
Definition = Annotated[str, Form(max_length=MAX_IMPORT_BYTES)]


def _store(services: ServicesDep) -> ScorecardRepository:
    return ScorecardRepository(services.repository.engine)


@router.get("/qa/scorecards", response_class=HTMLResponse)
def scorecards(
    request: Request,
    viewer: ViewerDep,
    services: ServicesDep,
    archived: bool = False,
    done: str = "",
) -> Response:
    """The account's scorecards (archived ones on request)."""
    items = _store(services).list(viewer.account.id, include_archived=archived)
    return page(
        request,
        "scorecards.html",
        viewer,
        nav="scorecards",
        items=items,
        show_archived=archived,
        flash=DONE.get(done),
    )


def _editor(
    request: Request,
    viewer: Viewer,
    *,
    text: str,
    errors: list[dict[str, str]],
    stored: StoredScorecard | None,
    history: list[StoredScorecard],
    status: int = 200,
    flash: str | None = None,
    read_only: bool = False,
) -> HTMLResponse:
    return page(
        request,
        "scorecard_edit.html",
        viewer,
        status_code=status,
        nav="scorecards",
        text=text,
        errors=errors,
        stored=stored,
        history=history,
        kinds=KINDS,
        flash=flash,
        read_only=read_only,
    )


def _parse(text: str) -> tuple[Any, list[dict[str, str]]]:
    """The form's JSON, and every problem with its field path (empty when valid)."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        return None, [
            {"field": "json", "message": f"not valid JSON: {exc.msg} at line {exc.lineno}"}
        ]
    try:
        return parse_scorecard(data), []
    except ScorecardInvalid as exc:
        return None, [{"field": e["field"] or "json", "message": e["message"]} for e in exc.errors]


@router.get("/qa/scorecards/new", response_class=HTMLResponse)
def new_scorecard(request: Request, viewer: ViewerDep) -> Response:
    """An editor with a one-criterion starting point."""
    text = json.dumps(STARTER, indent=2, ensure_ascii=False)
    return _editor(request, viewer, text=text, errors=[], stored=None, history=[])


@router.post("/qa/scorecards/new", response_class=HTMLResponse)
def create_scorecard(
    request: Request, viewer: PostViewerDep, services: ServicesDep, definition: Definition = ""
) -> Response:
    """Create from the editor's JSON; on errors, the editor again with each error at its field."""
    parsed, errors = _parse(definition)
    if parsed is None:
        return _editor(
            request, viewer, text=definition, errors=errors, stored=None, history=[], status=422
        )
    stored = _store(services).create(viewer.account.id, parsed)
    return see_other(f"/qa/scorecards/{stored.id}?done=created")


@router.post("/qa/scorecards/import", response_class=HTMLResponse)
async def import_scorecard(
    request: Request, viewer: PostViewerDep, services: ServicesDep, file: UploadFile
) -> Response:
    """Create a scorecard from an uploaded JSON file (the SPEC §5 shape, as exported)."""
    raw = await file.read(MAX_IMPORT_BYTES + 1)
    if len(raw) > MAX_IMPORT_BYTES:
        errors = [{"field": "json", "message": f"the file is larger than {MAX_IMPORT_BYTES} bytes"}]
        text = ""
    else:
        text = raw.decode("utf-8", errors="replace")
        parsed, errors = _parse(text)
        if parsed is not None:
            stored = _store(services).create(viewer.account.id, parsed)
            return see_other(f"/qa/scorecards/{stored.id}?done=imported")
    return _editor(request, viewer, text=text, errors=errors, stored=None, history=[], status=422)


@router.get("/qa/scorecards/{scorecard_id}", response_class=HTMLResponse)
def edit_scorecard(
    request: Request,
    scorecard_id: str,
    viewer: ViewerDep,
    services: ServicesDep,
    version: int | None = None,
    done: str = "",
) -> Response:
    """The latest version in the editor, or an older ``version`` to read; with the history."""
    store = _store(services)
    try:
        stored = store.get(viewer.account.id, scorecard_id, version)
        history = store.versions(viewer.account.id, scorecard_id)
    except NotFound:
        return not_found(request, viewer, "There is no such scorecard in this account.")
    text = json.dumps(scorecard_to_json(stored.definition), indent=2, ensure_ascii=False)
    read_only = stored.archived or stored.version != stored.latest_version
    return _editor(
        request,
        viewer,
        text=text,
        errors=[],
        stored=stored,
        history=history,
        flash=DONE.get(done),
        read_only=read_only,
    )


@router.post("/qa/scorecards/{scorecard_id}", response_class=HTMLResponse)
def save_scorecard(
    request: Request,
    scorecard_id: str,
    viewer: PostViewerDep,
    services: ServicesDep,
    definition: Definition = "",
) -> Response:
    """Save the editor's JSON as a new version."""
    store = _store(services)
    try:
        stored = store.get(viewer.account.id, scorecard_id)
        history = store.versions(viewer.account.id, scorecard_id)
    except NotFound:
        return not_found(request, viewer, "There is no such scorecard in this account.")
    parsed, errors = _parse(definition)
    if parsed is not None:
        try:
            store.update(viewer.account.id, scorecard_id, parsed)
        except ScorecardArchived as exc:
            errors = [{"field": "json", "message": exc.message}]
        else:
            return see_other(f"/qa/scorecards/{scorecard_id}?done=saved")
    return _editor(
        request, viewer, text=definition, errors=errors, stored=stored, history=history, status=422
    )


@router.post("/qa/scorecards/{scorecard_id}/archive")
def archive_scorecard(
    request: Request, scorecard_id: str, viewer: PostViewerDep, services: ServicesDep
) -> Response:
    """Archive: new calls cannot use it; scored calls and versions stay readable."""
    try:
        _store(services).archive(viewer.account.id, scorecard_id)
    except NotFound:
        return not_found(request, viewer, "There is no such scorecard in this account.")
    return see_other("/qa/scorecards?done=archived")


@router.get("/qa/scorecards/{scorecard_id}/export")
def export_scorecard(
    request: Request,
    scorecard_id: str,
    viewer: ViewerDep,
    services: ServicesDep,
    version: int | None = None,
) -> Response:
    """The scorecard JSON (SPEC §5) as a file; it imports back as is."""
    try:
        stored = _store(services).get(viewer.account.id, scorecard_id, version)
    except NotFound:
        return not_found(request, viewer, "There is no such scorecard in this account.")
    name = f"{stored.id}-v{stored.version}.json"
    return JSONResponse(
        scorecard_to_json(stored.definition),
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )

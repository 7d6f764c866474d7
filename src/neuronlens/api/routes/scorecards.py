"""``/scorecards`` (SPEC §5: versioned, archived instead of deleted) and re-scoring of jobs."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Query, Response
from pydantic import BaseModel, ConfigDict, Field

from neuronlens.analysis.scorecard_schema import parse_scorecard
from neuronlens.api.deps import AccountDep, ServicesDep
from neuronlens.api.schemas import JobOut
from neuronlens.jobs.scoring import rescore_job
from neuronlens.serialize import job_to_body
from neuronlens.storage.scorecards import ScorecardRepository, stored_to_json

router = APIRouter(tags=["scorecards"])

ScorecardBody = Annotated[
    Any,
    Body(
        description="The scorecard JSON of SPEC §5 (name, pass_threshold, sections → criteria)",
        examples=[
            {
                "name": "Retail banking service call",
                "pass_threshold": 70,
                "sections": [
                    {
                        "name": "Opening",
                        "criteria": [
                            {
                                "id": "greeting_with_company_name",
                                "question": "Did the agent greet the customer and name the "
                                "company?",
                                "weight": 10,
                                "fatal": False,
                                "kind": "required",
                                "within_seconds": 30,
                                "examples": {"en": ["Thank you for calling Sahyog Bank."]},
                            }
                        ],
                    }
                ],
            }
        ],
    ),
]


def scorecard_repository(services: ServicesDep) -> ScorecardRepository:
    """The scorecard store over the service's database."""
    return ScorecardRepository(services.repository.engine)


@router.post("/scorecards", status_code=201)
def create(
    body: ScorecardBody, account: AccountDep, services: ServicesDep, response: Response
) -> dict[str, Any]:
    """Create a scorecard (version 1); answers with its ``id`` and ``version``."""
    stored = scorecard_repository(services).create(account.id, parse_scorecard(body))
    response.headers["Location"] = f"/scorecards/{stored.id}"
    return stored_to_json(stored)


@router.get("/scorecards")
def list_scorecards(
    account: AccountDep, services: ServicesDep, include_archived: bool = False
) -> dict[str, Any]:
    """The account's active scorecards (latest versions); ``include_archived`` adds the rest."""
    items = scorecard_repository(services).list(account.id, include_archived=include_archived)
    return {"data": [stored_to_json(item, with_definition=False) for item in items]}


@router.get("/scorecards/{scorecard_id}")
def get(
    scorecard_id: str,
    account: AccountDep,
    services: ServicesDep,
    version: Annotated[int | None, Query(ge=1)] = None,
) -> dict[str, Any]:
    """A scorecard's latest version, or ``?version=N``."""
    return stored_to_json(scorecard_repository(services).get(account.id, scorecard_id, version))


@router.get("/scorecards/{scorecard_id}/versions")
def versions(scorecard_id: str, account: AccountDep, services: ServicesDep) -> dict[str, Any]:
    """Every version of a scorecard, oldest first (without their definitions)."""
    items = scorecard_repository(services).versions(account.id, scorecard_id)
    return {"data": [stored_to_json(item, with_definition=False) for item in items]}


@router.put("/scorecards/{scorecard_id}")
def update(
    scorecard_id: str, body: ScorecardBody, account: AccountDep, services: ServicesDep
) -> dict[str, Any]:
    """Save an edit as a new, immutable version; jobs keep the version they were scored with."""
    definition = parse_scorecard(body)
    return stored_to_json(
        scorecard_repository(services).update(account.id, scorecard_id, definition)
    )


@router.delete("/scorecards/{scorecard_id}")
def archive(scorecard_id: str, account: AccountDep, services: ServicesDep) -> dict[str, Any]:
    """Archive a scorecard: new jobs cannot use it; scored jobs and versions stay readable."""
    return stored_to_json(scorecard_repository(services).archive(account.id, scorecard_id))


class RescoreRequest(BaseModel):
    """The body of ``POST /transcription/{id}/qa``."""

    model_config = ConfigDict(extra="forbid")

    qa_scorecard_id: Annotated[str, Field(min_length=1, max_length=80)]
    version: Annotated[int, Field(ge=1, strict=True)] | None = None
    """A specific version (archived scorecards too); default: the latest, which must be active."""


@router.post("/transcription/{job_id}/qa", response_model=JobOut, tags=["transcription"])
def rescore(
    job_id: str, body: RescoreRequest, account: AccountDep, services: ServicesDep
) -> dict[str, Any]:
    """Re-score a completed job's stored transcript with a scorecard (no re-transcription)."""
    job = rescore_job(services.ctx, account.id, job_id, body.qa_scorecard_id, version=body.version)
    return job_to_body(job)

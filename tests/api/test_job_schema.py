"""The documented job model and the body the API builds must name the same fields: FastAPI's
response model drops any field it does not declare, silently."""

from __future__ import annotations

from datetime import UTC, datetime

from neuronlens.api.schemas import JobOut
from neuronlens.domain import Job, JobRequest, JobStatus
from neuronlens.serialize import job_to_body


def test_every_field_of_the_job_body_is_in_the_response_model() -> None:
    now = datetime.now(UTC)
    job = Job(
        id="job_x",
        account_id="acc_x",
        status=JobStatus.COMPLETED,
        request=JobRequest(audio_url="https://calls.example.com/a.mp3", language="hi-IN"),
        created_at=now,
        updated_at=now,
        completed_at=now,
        result={"transcript": []},
    )
    assert set(job_to_body(job)) == set(JobOut.model_fields)

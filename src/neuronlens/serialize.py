"""The job body clients see: one function serves the API, the CLI's ``--json`` and webhooks."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from neuronlens.analysis.display import display_text
from neuronlens.domain import Job, JobStatus, SpeakerReport, Transcript

SPEAKER_FIELDS = ("speakers", "talk_metrics", "diarization")
"""Diarization results: per-speaker block, call-level talk metrics, how speakers were found."""
ANALYSIS_FIELDS = ("summary", "sentiment", "intent", "intent_confidence", "intent_candidates", "qa")


def isoformat(moment: datetime | None) -> str | None:
    """ISO 8601 in UTC with a ``Z`` suffix and millisecond precision."""
    if moment is None:
        return None
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def job_to_body(job: Job) -> dict[str, Any]:
    """The ``GET /transcription/{id}`` body for a job."""
    result = job.result or {}
    completed = job.status == JobStatus.COMPLETED
    body: dict[str, Any] = {
        "job_id": job.id,
        "status": job.status.value,
        "error": {"code": job.error.code, "message": job.error.message} if job.error else None,
        "language": job.request.language,
        "num_speakers": job.request.num_speakers,
        "features": list(job.request.features),
        "qa_scorecard_id": job.request.qa_scorecard_id,
        "qa_scorecard_version": job.request.qa_scorecard_version,
        "transcript": result.get("transcript") if completed else None,
    }
    for name in SPEAKER_FIELDS:
        body[name] = result.get(name) if completed else None
    for name in ANALYSIS_FIELDS:
        body[name] = result.get(name) if completed else None
    body.update(
        {
            "metadata": job.request.metadata,
            "webhook_url": job.request.webhook_url,
            "created_at": isoformat(job.created_at),
            "completed_at": isoformat(job.completed_at),
            "duration": round(job.duration, 3) if job.duration is not None else None,
        }
    )
    return body


def transcript_to_json(transcript: Transcript) -> list[dict[str, Any]]:
    """Transcript segments in the API's shape (times rounded to milliseconds): ``text`` with
    spoken numbers as digits, ``raw_text`` and ``words`` as the recogniser wrote them."""
    return [
        {
            "speaker": segment.speaker,
            "start": round(segment.start, 3),
            "end": round(segment.end, 3),
            "text": display_text(segment.text, transcript.language),
            "raw_text": segment.text,
            "confidence": round(segment.confidence, 3),
            "words": [
                {
                    "word": word.word,
                    "start": round(word.start, 3),
                    "end": round(word.end, 3),
                    "confidence": round(word.confidence, 3),
                }
                for word in segment.words
            ],
        }
        for segment in transcript.segments
    ]


def speaker_report_to_json(report: SpeakerReport) -> dict[str, Any]:
    """The stored ``speakers``, ``talk_metrics`` and ``diarization`` fields of a result."""
    metrics = report.metrics
    return {
        "speakers": [
            {
                "label": speaker.label,
                "role": speaker.role,
                "role_confidence": speaker.role_confidence,
                "talk_time": round(speaker.talk_time, 3),
                "talk_share": round(speaker.talk_share, 3),
                "turns": speaker.turns,
                "words": speaker.words,
                "channel": speaker.channel,
            }
            for speaker in report.speakers
        ],
        "talk_metrics": {
            "talk_time_by_speaker": metrics.talk_time_by_speaker,
            "total_talk_time": metrics.total_talk_time,
            "non_talk_time": metrics.non_talk_time,
            "overlap_time": metrics.overlap_time,
            "interruptions": metrics.interruptions,
            "interruptions_by_speaker": metrics.interruptions_by_speaker,
            "longest_silence": metrics.longest_silence,
        },
        "diarization": {
            "method": report.method,
            "speakers_requested": report.speakers_requested,
            "speakers_found": report.speakers_found,
            "roles_assigned": report.roles_assigned,
            "roles_note": report.roles_note,
        },
    }

"""Scorecards on SQLite and PostgreSQL: versions, archive, per-account isolation, re-scoring."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from neuronlens.analysis.scorecard_schema import parse_scorecard, scorecard_to_json
from neuronlens.domain import JobRequest, JobStatus
from neuronlens.errors import Conflict
from neuronlens.storage.repository import Repository
from neuronlens.storage.scorecards import (
    JobNotCompleted,
    ScorecardArchived,
    ScorecardNotFound,
    ScorecardRepository,
)

SCORECARD = Path(__file__).resolve().parents[1] / "data" / "scorecards" / "retail_banking.json"


def definition(**changes: Any) -> Any:
    data = json.loads(SCORECARD.read_text("utf-8"))
    data.update(changes)
    return parse_scorecard(data)


@pytest.fixture
def store(repository: Repository) -> ScorecardRepository:
    return ScorecardRepository(repository.engine)


def test_create_then_read_back_exactly(repository: Repository, store: ScorecardRepository) -> None:
    account, _ = repository.create_account("acme")
    created = store.create(account.id, definition())
    assert created.id.startswith("sc_") and created.version == 1 and created.latest_version == 1
    assert not created.archived
    again = store.get(account.id, created.id)
    assert again.definition == created.definition
    assert scorecard_to_json(again.definition) == json.loads(SCORECARD.read_text("utf-8"))
    assert again.created_at.tzinfo is not None


def test_updates_are_new_immutable_versions(
    repository: Repository, store: ScorecardRepository
) -> None:
    account, _ = repository.create_account("acme")
    created = store.create(account.id, definition())
    second = store.update(account.id, created.id, definition(pass_threshold=80, name="Stricter"))
    third = store.update(account.id, created.id, definition(pass_threshold=90, name="Strictest"))
    assert (second.version, third.version, third.latest_version) == (2, 3, 3)
    assert store.get(account.id, created.id).definition.pass_threshold == 90
    first = store.get(account.id, created.id, version=1)
    assert first.definition.pass_threshold == 70 and first.latest_version == 3
    history = store.versions(account.id, created.id)
    assert [(v.version, v.definition.name) for v in history] == [
        (1, "Retail banking service call"),
        (2, "Stricter"),
        (3, "Strictest"),
    ]
    with pytest.raises(ScorecardNotFound):
        store.get(account.id, created.id, version=4)


def test_concurrent_edits_each_get_their_own_version(
    repository: Repository, store: ScorecardRepository
) -> None:
    account, _ = repository.create_account("acme")
    created = store.create(account.id, definition())
    versions: list[int] = []
    conflicts: list[Exception] = []

    def edit(threshold: int) -> None:
        try:
            updated = store.update(account.id, created.id, definition(pass_threshold=threshold))
            versions.append(updated.version)
        except Conflict as exc:  # the loser of a race is told to retry, never overwritten
            conflicts.append(exc)

    threads = [threading.Thread(target=edit, args=(60 + i,)) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    history = [v.version for v in store.versions(account.id, created.id)]
    assert history == list(range(1, 2 + len(versions)))
    assert len(versions) + len(conflicts) == 6 and len(set(versions)) == len(versions)


def test_archive_hides_from_the_list_and_blocks_new_use(
    repository: Repository, store: ScorecardRepository
) -> None:
    account, _ = repository.create_account("acme")
    kept = store.create(account.id, definition(name="Kept"))
    old = store.create(account.id, definition(name="Old"))
    archived = store.archive(account.id, old.id)
    assert archived.archived and archived.archived_at is not None
    assert [s.name for s in (s.definition for s in store.list(account.id))] == ["Kept"]
    listed = store.list(account.id, include_archived=True)
    assert [s.id for s in listed] == [old.id, kept.id]  # newest first
    assert store.get(account.id, old.id).definition.name == "Old"  # still readable
    with pytest.raises(ScorecardArchived):
        store.get_active(account.id, old.id)
    with pytest.raises(ScorecardArchived):
        store.update(account.id, old.id, definition())
    assert store.get_active(account.id, kept.id).id == kept.id


def test_another_accounts_scorecard_does_not_exist(
    repository: Repository, store: ScorecardRepository
) -> None:
    owner, _ = repository.create_account("owner")
    other, _ = repository.create_account("other")
    created = store.create(owner.id, definition())
    for attempt in (
        lambda: store.get(other.id, created.id),
        lambda: store.versions(other.id, created.id),
        lambda: store.update(other.id, created.id, definition()),
        lambda: store.archive(other.id, created.id),
    ):
        with pytest.raises(ScorecardNotFound) as caught:
            attempt()
        assert caught.value.code == "scorecard_not_found" and caught.value.http_status == 404
    assert store.list(other.id, include_archived=True) == []
    assert not store.get(owner.id, created.id).archived


def test_record_qa_only_on_completed_jobs(
    repository: Repository, store: ScorecardRepository
) -> None:
    account, _ = repository.create_account("acme")
    scorecard = store.create(account.id, definition())
    request = JobRequest(audio_url="https://example.com/a.mp3", language="hi-IN")
    job = repository.create_job(account.id, request, "hash", None).job
    with pytest.raises(JobNotCompleted):
        store.record_qa(account.id, job.id, scorecard, {"score": 1})
    assert repository.claim_fetch("f", 60) is not None
    assert repository.finish_fetch(job.id, "f", "/tmp/a", 1)
    assert repository.claim_job("w", 60) is not None
    assert repository.complete_job(job.id, "w", {"transcript": [], "summary": "kept"})
    updated = store.record_qa(account.id, job.id, scorecard, {"score": 1})
    assert updated.status == JobStatus.COMPLETED
    assert updated.result == {"transcript": [], "summary": "kept", "qa": {"score": 1}}
    assert updated.request.qa_scorecard_id == scorecard.id
    assert updated.request.qa_scorecard_version == 1


def test_migration_creates_the_tables(repository: Repository) -> None:
    tables = set(sa.inspect(repository.engine).get_table_names())
    assert {"scorecards", "scorecard_versions"} <= tables

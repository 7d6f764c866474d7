"""Scorecards per account: immutable versions, archive, and re-scoring results on jobs."""

from __future__ import annotations

import builtins
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from neuronlens.analysis.scorecard_schema import parse_scorecard, scorecard_to_json
from neuronlens.domain import Job, JobStatus, Scorecard, StoredScorecard
from neuronlens.errors import Conflict, NotFound, ValidationFailed
from neuronlens.ids import new_id
from neuronlens.serialize import isoformat
from neuronlens.storage.repository import request_to_json, row_to_job
from neuronlens.storage.tables import jobs, scorecard_versions, scorecards

ID_PREFIX = "sc"


class ScorecardNotFound(NotFound):
    code = "scorecard_not_found"


class ScorecardArchived(ValidationFailed):
    """An archived scorecard cannot score new jobs or be edited."""

    code = "scorecard_archived"


class JobNotCompleted(Conflict):
    code = "job_not_completed"


def _now() -> datetime:
    return datetime.now(UTC)


class ScorecardRepository:
    """Reads and writes scorecards; every method is scoped to one account."""

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine

    def create(self, account_id: str, definition: Scorecard) -> StoredScorecard:
        """Store a new scorecard as version 1."""
        now = _now()
        scorecard_id = new_id(ID_PREFIX)
        with self.engine.begin() as conn:
            conn.execute(
                scorecards.insert().values(
                    id=scorecard_id,
                    account_id=account_id,
                    name=definition.name,
                    latest_version=1,
                    created_at=now,
                    updated_at=now,
                )
            )
            self._insert_version(conn, scorecard_id, 1, definition, now)
        return self.get(account_id, scorecard_id)

    def update(self, account_id: str, scorecard_id: str, definition: Scorecard) -> StoredScorecard:
        """Save an edit as a new version; earlier versions stay readable unchanged."""
        now = _now()
        with self.engine.begin() as conn:
            # Bumping the counter with a conditional UPDATE serialises concurrent edits: each
            # gets its own version number and none overwrites another.
            head = self._head(conn, account_id, scorecard_id)
            if head.archived_at is not None:
                raise ScorecardArchived(f"scorecard {scorecard_id!r} is archived")
            bumped = conn.execute(
                scorecards.update()
                .where(
                    scorecards.c.id == scorecard_id,
                    scorecards.c.latest_version == head.latest_version,
                )
                .values(
                    latest_version=head.latest_version + 1, name=definition.name, updated_at=now
                )
            )
            if bumped.rowcount != 1:
                raise Conflict("the scorecard was edited concurrently; try again")
            self._insert_version(conn, scorecard_id, head.latest_version + 1, definition, now)
        # This edit's version, not whatever is latest by now (another edit may follow at once).
        return self.get(account_id, scorecard_id, head.latest_version + 1)

    def get(
        self, account_id: str, scorecard_id: str, version: int | None = None
    ) -> StoredScorecard:
        """The latest version, or the given one; ScorecardNotFound for another account's id."""
        with self.engine.connect() as conn:
            head = self._head(conn, account_id, scorecard_id)
            wanted = head.latest_version if version is None else version
            row = conn.execute(
                sa.select(scorecard_versions).where(
                    scorecard_versions.c.scorecard_id == scorecard_id,
                    scorecard_versions.c.version == wanted,
                )
            ).first()
        if row is None:
            raise ScorecardNotFound(f"scorecard {scorecard_id!r} has no version {wanted}")
        return _stored(head, row.version, row.definition, row.created_at)

    def get_active(self, account_id: str, scorecard_id: str) -> StoredScorecard:
        """The latest version of a scorecard that may score new jobs (not archived)."""
        stored = self.get(account_id, scorecard_id)
        if stored.archived:
            raise ScorecardArchived(
                f"scorecard {scorecard_id!r} is archived; choose an active scorecard"
            )
        return stored

    def list(self, account_id: str, *, include_archived: bool = False) -> list[StoredScorecard]:
        """The account's scorecards (latest versions), newest first."""
        query = (
            sa.select(
                scorecards,
                scorecard_versions.c.version,
                scorecard_versions.c.definition,
                scorecard_versions.c.created_at.label("version_created_at"),
            )
            .join(
                scorecard_versions,
                sa.and_(
                    scorecard_versions.c.scorecard_id == scorecards.c.id,
                    scorecard_versions.c.version == scorecards.c.latest_version,
                ),
            )
            .where(scorecards.c.account_id == account_id)
            .order_by(scorecards.c.id.desc())
        )
        if not include_archived:
            query = query.where(scorecards.c.archived_at.is_(None))
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
        return [_stored(row, row.version, row.definition, row.version_created_at) for row in rows]

    def versions(self, account_id: str, scorecard_id: str) -> builtins.list[StoredScorecard]:
        """Every version of a scorecard, oldest first."""
        with self.engine.connect() as conn:
            head = self._head(conn, account_id, scorecard_id)
            rows = conn.execute(
                sa.select(scorecard_versions)
                .where(scorecard_versions.c.scorecard_id == scorecard_id)
                .order_by(scorecard_versions.c.version)
            ).all()
        return [_stored(head, row.version, row.definition, row.created_at) for row in rows]

    def archive(self, account_id: str, scorecard_id: str) -> StoredScorecard:
        """Archive a scorecard: it no longer scores new jobs; its versions stay readable."""
        with self.engine.begin() as conn:
            self._head(conn, account_id, scorecard_id)
            conn.execute(
                scorecards.update()
                .where(scorecards.c.id == scorecard_id, scorecards.c.archived_at.is_(None))
                .values(archived_at=_now(), updated_at=_now())
            )
        return self.get(account_id, scorecard_id)

    def record_qa(
        self, account_id: str, job_id: str, stored: StoredScorecard, qa: dict[str, Any]
    ) -> Job:
        """Store a re-scoring's ``qa`` result and the scorecard version on a completed job."""
        with self.engine.begin() as conn:
            row = conn.execute(
                sa.select(jobs).where(jobs.c.id == job_id, jobs.c.account_id == account_id)
            ).first()
            if row is None:
                raise NotFound(f"no job {job_id!r}")
            job = row_to_job(row)
            if job.status != JobStatus.COMPLETED:
                raise JobNotCompleted(
                    f"job {job_id!r} is {job.status.value}; only completed jobs can be re-scored"
                )
            request = replace(
                job.request, qa_scorecard_id=stored.id, qa_scorecard_version=stored.version
            )
            result = {**(job.result or {}), "qa": qa}
            conn.execute(
                jobs.update()
                .where(jobs.c.id == job_id, jobs.c.status == JobStatus.COMPLETED.value)
                .values(request=request_to_json(request), result=result, updated_at=_now())
            )
            row = conn.execute(sa.select(jobs).where(jobs.c.id == job_id)).one()
        return row_to_job(row)

    def _head(self, conn: sa.Connection, account_id: str, scorecard_id: str) -> sa.Row[Any]:
        row = conn.execute(
            sa.select(scorecards).where(
                scorecards.c.id == scorecard_id, scorecards.c.account_id == account_id
            )
        ).first()
        if row is None:
            raise ScorecardNotFound(f"no scorecard {scorecard_id!r}")
        return row

    @staticmethod
    def _insert_version(
        conn: sa.Connection, scorecard_id: str, version: int, definition: Scorecard, now: datetime
    ) -> None:
        conn.execute(
            scorecard_versions.insert().values(
                scorecard_id=scorecard_id,
                version=version,
                definition=scorecard_to_json(definition),
                created_at=now,
            )
        )


def _stored(
    head: sa.Row[Any], version: int, definition: dict[str, Any], version_created_at: datetime
) -> StoredScorecard:
    return StoredScorecard(
        id=head.id,
        account_id=head.account_id,
        version=version,
        definition=parse_scorecard(definition),
        created_at=head.created_at,
        version_created_at=version_created_at,
        latest_version=head.latest_version,
        archived_at=head.archived_at,
    )


def stored_to_json(stored: StoredScorecard, *, with_definition: bool = True) -> dict[str, Any]:
    """The API's view of a stored scorecard version: the SPEC §5 JSON plus id and version."""
    body: dict[str, Any] = {
        "id": stored.id,
        "version": stored.version,
        "latest_version": stored.latest_version,
        "name": stored.definition.name,
        "archived": stored.archived,
        "archived_at": isoformat(stored.archived_at),
        "created_at": isoformat(stored.created_at),
        "version_created_at": isoformat(stored.version_created_at),
        "criteria_count": len(stored.definition.criteria),
    }
    if with_definition:
        body["scorecard"] = scorecard_to_json(stored.definition)
    return body

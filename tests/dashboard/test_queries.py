"""The repository queries behind the dashboard, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from neuronlens.domain import JobStatus
from neuronlens.errors import NotFound
from neuronlens.storage.repository import JobFilter, Repository
from tests.dashboard.conftest import add_job


def test_search_jobs_filters_inside_the_stored_json(repository: Repository) -> None:
    account, _ = repository.create_account("acme")
    qa_pass = {"intent": "payment_query", "qa": {"passed": True, "percentage": 90}}
    qa_fail = {"intent": "complaint", "qa": {"passed": False, "percentage": 20}}
    a = add_job(repository, account.id, result=qa_pass)
    b = add_job(repository, account.id, language="en-IN", result=qa_fail)
    c = add_job(repository, account.id, result={"intent": None, "qa": None})
    d = add_job(repository, account.id)

    def ids(where: JobFilter, limit: int = 10) -> list[str]:
        return [job.id for job in repository.search_jobs(account.id, where, limit, None).jobs]

    assert ids(JobFilter()) == [d.id, c.id, b.id, a.id]
    assert ids(JobFilter(status=JobStatus.PENDING)) == [d.id]
    assert ids(JobFilter(language="en-IN")) == [b.id]
    assert ids(JobFilter(intent="payment_query")) == [a.id]
    assert ids(JobFilter(qa_passed=True)) == [a.id]
    assert ids(JobFilter(qa_passed=False)) == [b.id]
    assert ids(JobFilter(language="hi-IN", status=JobStatus.COMPLETED)) == [c.id, a.id]
    page = repository.search_jobs(account.id, JobFilter(), 3, None)
    assert page.next_cursor == b.id
    rest = repository.search_jobs(account.id, JobFilter(), 3, page.next_cursor)
    assert [j.id for j in rest.jobs] == [a.id] and rest.next_cursor is None
    assert repository.job_intents(account.id) == ["complaint", "payment_query"]
    assert ids(JobFilter(sentiment="negative")) == []
    other, _ = repository.create_account("globex")
    assert repository.search_jobs(other.id, JobFilter(), 10, None).jobs == []
    assert repository.job_intents(other.id) == []


def test_search_jobs_by_the_customers_sentiment(repository: Repository) -> None:
    """The customer's score decides (the overall one when no speaker is the customer), with
    the neutral band the labels use: the calls a QA team looks for when calls go bad."""
    account, _ = repository.create_account("acme")

    def sentiment(overall: float, customer: float | None = None) -> dict[str, object]:
        speakers = {"agent": 0.4} | ({"customer": customer} if customer is not None else {})
        return {"sentiment": {"overall": overall, "speakers": speakers}}

    angry = add_job(repository, account.id, result=sentiment(0.3, customer=-0.7))
    pleased = add_job(repository, account.id, result=sentiment(-0.2, customer=0.5))
    flat = add_job(repository, account.id, result=sentiment(0.9, customer=0.15))
    unlabelled_bad = add_job(repository, account.id, result=sentiment(-0.4))
    unlabelled_edge = add_job(repository, account.id, result=sentiment(-0.15))
    add_job(repository, account.id, result={"sentiment": None})
    add_job(repository, account.id)

    def ids(label: str) -> set[str]:
        page = repository.search_jobs(account.id, JobFilter(sentiment=label), 10, None)
        return {job.id for job in page.jobs}

    assert ids("negative") == {angry.id, unlabelled_bad.id}
    assert ids("positive") == {pleased.id}
    assert ids("neutral") == {flat.id, unlabelled_edge.id}
    with pytest.raises(ValueError, match="unknown sentiment"):
        ids("furious")


def test_api_keys_list_login_and_revoke(repository: Repository) -> None:
    account, first = repository.create_account("acme")
    second = repository.create_api_key(account.id)
    keys = repository.list_api_keys(account.id)
    assert [k.prefix for k in keys] == [second[:10], first[:10]]
    found = repository.login_with_key(first)
    assert found is not None and found[0].id == account.id and found[1] == keys[1].id
    assert repository.account_for_key_id(keys[1].id) == found[0]
    repository.revoke_api_key(account.id, keys[1].id)
    repository.revoke_api_key(account.id, keys[1].id)  # idempotent
    assert repository.login_with_key(first) is None
    assert repository.account_for_key_id(keys[1].id) is None
    assert repository.list_api_keys(account.id)[1].revoked_at is not None
    other, _ = repository.create_account("globex")
    with pytest.raises(NotFound):
        repository.revoke_api_key(other.id, keys[0].id)
    assert repository.login_with_key(second) is not None

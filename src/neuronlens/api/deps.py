"""Request dependencies: the app's services and the calling account."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from neuronlens.api.ratelimit import enforce_request_rate
from neuronlens.config import Settings
from neuronlens.domain import Account
from neuronlens.errors import Unauthorized
from neuronlens.jobs.context import WorkerContext
from neuronlens.jobs.queue import Queue
from neuronlens.storage.repository import Repository


@dataclass(frozen=True)
class Services:
    """What routes need, created once in the app's lifespan."""

    ctx: WorkerContext
    queue: Queue

    @property
    def settings(self) -> Settings:
        return self.ctx.settings

    @property
    def repository(self) -> Repository:
        return self.ctx.repository


def get_services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


# Declares the bearer scheme in the OpenAPI document (so docs and fuzzers know every route that
# needs a key); the header is still parsed below, with our own error instead of FastAPI's 403.
_bearer = HTTPBearer(auto_error=False, scheme_name="apiKey", description="An account's API key")


def get_account(
    request: Request,
    services: Annotated[Services, Depends(get_services)],
    _declared: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)] = None,
) -> Account:
    """The account whose API key is in ``Authorization: Bearer <key>``."""
    header = request.headers.get("authorization", "")
    scheme, _, key = header.partition(" ")
    if scheme.lower() != "bearer" or not key.strip():
        raise Unauthorized("send your API key as 'Authorization: Bearer <key>'")
    account = services.repository.account_for_key(key.strip())
    if account is None:
        raise Unauthorized("the API key is not valid")
    # After authentication, so the limit is per account and unauthenticated floods cannot
    # use up a real account's allowance.
    enforce_request_rate(request, services.settings, account.id)
    return account


ServicesDep = Annotated[Services, Depends(get_services)]
AccountDep = Annotated[Account, Depends(get_account)]

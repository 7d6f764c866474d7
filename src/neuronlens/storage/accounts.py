"""Accounts and their API keys: the account half of the Repository."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from neuronlens.domain import Account
from neuronlens.errors import NotFound, ValidationFailed
from neuronlens.ids import new_id
from neuronlens.storage.clock import utcnow
from neuronlens.storage.tables import accounts, api_keys

API_KEY_PREFIX = "nl_"


def hash_api_key(key: str) -> str:
    """SHA-256 of an API key: keys are 256-bit random, so a fast hash is safe to store."""
    return hashlib.sha256(key.encode()).hexdigest()


@dataclass(frozen=True)
class ApiKeyInfo:
    """An API key as its owner may see it again: never the key itself."""

    id: str
    prefix: str
    created_at: datetime
    revoked_at: datetime | None


class AccountQueries:
    """Account and API-key queries; mixed into ``Repository``, which provides the engine."""

    engine: sa.Engine

    def create_account(self, name: str) -> tuple[Account, str]:
        """Create an account and its first API key; returns the account and the raw key."""
        now = utcnow()
        account = Account(id=new_id("acc"), name=name, created_at=now)
        with self.engine.begin() as conn:
            exists = conn.execute(sa.select(accounts.c.id).where(accounts.c.name == name)).first()
            if exists:
                raise ValidationFailed(f"an account named {name!r} already exists")
            conn.execute(accounts.insert().values(id=account.id, name=name, created_at=now))
            key = self._insert_api_key(conn, account.id, now)
        return account, key

    def create_api_key(self, account_id: str) -> str:
        """Issue another API key for an account; returns the raw key (shown once)."""
        with self.engine.begin() as conn:
            return self._insert_api_key(conn, account_id, utcnow())

    def _insert_api_key(self, conn: sa.Connection, account_id: str, now: datetime) -> str:
        key = API_KEY_PREFIX + secrets.token_urlsafe(32)
        conn.execute(
            api_keys.insert().values(
                id=new_id("key"),
                account_id=account_id,
                prefix=key[:10],
                key_hash=hash_api_key(key),
                created_at=now,
            )
        )
        return key

    def account_for_key(self, key: str) -> Account | None:
        """The account owning an active API key, or None."""
        query = (
            sa.select(accounts)
            .join(api_keys, api_keys.c.account_id == accounts.c.id)
            .where(api_keys.c.key_hash == hash_api_key(key), api_keys.c.revoked_at.is_(None))
        )
        with self.engine.connect() as conn:
            row = conn.execute(query).first()
        return Account(id=row.id, name=row.name, created_at=row.created_at) if row else None

    def account_by_name(self, name: str) -> Account | None:
        """The account with this name, or None."""
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(accounts).where(accounts.c.name == name)).first()
        return Account(id=row.id, name=row.name, created_at=row.created_at) if row else None

    def login_with_key(self, key: str) -> tuple[Account, str] | None:
        """The account and key id of an active API key (a dashboard sign-in), or None."""
        query = (
            sa.select(accounts, api_keys.c.id.label("key_id"))
            .join(api_keys, api_keys.c.account_id == accounts.c.id)
            .where(api_keys.c.key_hash == hash_api_key(key), api_keys.c.revoked_at.is_(None))
        )
        with self.engine.connect() as conn:
            row = conn.execute(query).first()
        if row is None:
            return None
        return Account(id=row.id, name=row.name, created_at=row.created_at), row.key_id

    def account_for_key_id(self, key_id: str) -> Account | None:
        """The account owning the API key ``key_id`` while it is not revoked, or None."""
        query = (
            sa.select(accounts)
            .join(api_keys, api_keys.c.account_id == accounts.c.id)
            .where(api_keys.c.id == key_id, api_keys.c.revoked_at.is_(None))
        )
        with self.engine.connect() as conn:
            row = conn.execute(query).first()
        return Account(id=row.id, name=row.name, created_at=row.created_at) if row else None

    def list_api_keys(self, account_id: str) -> list[ApiKeyInfo]:
        """An account's keys, newest first, revoked ones included."""
        query = (
            sa.select(api_keys)
            .where(api_keys.c.account_id == account_id)
            .order_by(api_keys.c.created_at.desc(), api_keys.c.id.desc())
        )
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
        return [ApiKeyInfo(r.id, r.prefix, r.created_at, r.revoked_at) for r in rows]

    def revoke_api_key(self, account_id: str, key_id: str) -> None:
        """Revoke one of the account's keys (idempotent); NotFound for anyone else's."""
        mine = sa.and_(api_keys.c.id == key_id, api_keys.c.account_id == account_id)
        with self.engine.begin() as conn:
            if conn.execute(sa.select(api_keys.c.id).where(mine)).first() is None:
                raise NotFound(f"no API key {key_id!r}")
            conn.execute(
                api_keys.update()
                .where(mine, api_keys.c.revoked_at.is_(None))
                .values(revoked_at=utcnow())
            )

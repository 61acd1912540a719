"""Every environment variable creditgraph reads, in one place, typed and checked at start.

:class:`Settings` is what the code uses (a frozen value, so tests build one directly);
:func:`load_settings` reads the environment through pydantic-settings and refuses a bad
value with one line naming the variable and the form expected — never a traceback.
To add a variable: a field on ``_Environment`` (with its ``alias`` and ``EXPECTED`` form)
and on ``Settings``.
"""

from __future__ import annotations

import datetime as dt
import math
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import AliasChoices, Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

API_ROLES = ("approval", "investigator", "steward")
# the URL schemes that name a Neo4j store (creditgraph.store.open_store)
NEO4J_SCHEMES = ("bolt://", "bolt+s://", "bolt+ssc://", "neo4j://", "neo4j+s://", "neo4j+ssc://")


def unknown_store_scheme(url: str) -> bool:
    """A URL that names no store: not a path, and of no Neo4j scheme (it would otherwise be
    taken for a file name)."""
    return "://" in url and not url.startswith(NEO4J_SCHEMES)


@dataclass(frozen=True)
class Settings:
    store: str = "./creditgraph.db"
    neo4j_user: str | None = None
    neo4j_password: str | None = None
    rule_dirs: tuple[Path, ...] = ()
    id_key: str | None = None
    id_key_file: str | None = None
    api_keys: dict[str, str] = field(default_factory=dict)
    public_access: bool = False
    today: dt.date | None = None
    request_timeout_s: float = 10.0
    # a write waits at most this long for another writer (a load, a server) to finish
    write_timeout_s: float = 30.0
    # the largest HTTP request body accepted, read before anything else is done with it
    max_body_bytes: int = 8 * 1024 * 1024
    # browser origins allowed to call the API (CORS); empty: no cross-origin access
    cors_origins: tuple[str, ...] = ()
    # seconds between looks at the outbox for alerts and notices to deliver (a write from
    # another process, e.g. `creditgraph load`)
    delivery_poll_s: float = 0.2
    # extra folders of source mapping files (read after the built-in one)
    source_dirs: tuple[Path, ...] = ()
    # 0: an answer leaves once the audit of the persons it shows is on disk. Above 0: once
    # it is committed to the operating system (a crash of the server cannot lose it), and
    # the audit log is synced to disk within this many seconds (a power failure or a crash
    # of the operating system can lose at most that much of it). See creditgraph.api.audit.
    audit_sync_s: float = 0.0


class SettingsError(ValueError):
    """A variable holds a value creditgraph cannot use (exit code 2)."""


# variable → the form it must have, as the error message states it
EXPECTED = {
    "CREDITGRAPH_STORE": "a file path or a bolt:// / neo4j:// URL (+s, +ssc)",
    "CREDITGRAPH_RULES": f"folders of rule files separated by {os.pathsep!r}",
    "CREDITGRAPH_ID_KEY": "a non-empty secret",
    "CREDITGRAPH_ID_KEY_FILE": "the path of a file holding the secret, outside the store's folder",
    "CREDITGRAPH_API_KEYS": f"KEY=ROLE[,KEY=ROLE…] with ROLE one of {', '.join(API_ROLES)}",
    "CREDITGRAPH_PUBLIC": "1/true/yes or 0/false/no",
    "CREDITGRAPH_TODAY": "a date YYYY-MM-DD",
    "CREDITGRAPH_REQUEST_TIMEOUT": "seconds, a number from 0 (no limit) to 3600",
    "CREDITGRAPH_WRITE_TIMEOUT": "seconds, a number above 0 and at most 3600",
    "CREDITGRAPH_MAX_BODY_BYTES": "a whole number of bytes from 1024 to 1073741824",
    "CREDITGRAPH_CORS_ORIGINS": "origins separated by commas (https://a.example,…) or *",
    "CREDITGRAPH_SOURCES": f"folders of source mapping files separated by {os.pathsep!r}",
    "CREDITGRAPH_DELIVERY_POLL": "seconds between outbox polls, a number above 0 and at most 60",
    "CREDITGRAPH_AUDIT_SYNC": "seconds, 0 (every answer waits for its audit's disk sync) to 60",
    "NEO4J_USER": "a user name",
    "NEO4J_PASSWORD": "a password",
}


def _alias(name: str) -> Any:
    return AliasChoices(name)


class _Environment(BaseSettings):
    """The variables as text, validated; field names are internal, aliases are the variables."""

    model_config = SettingsConfigDict(
        case_sensitive=True, extra="ignore", env_ignore_empty=True, frozen=True
    )

    store: str = Field("./creditgraph.db", validation_alias=_alias("CREDITGRAPH_STORE"))
    rules: str = Field("", validation_alias=_alias("CREDITGRAPH_RULES"))
    id_key: str | None = Field(None, validation_alias=_alias("CREDITGRAPH_ID_KEY"))
    id_key_file: str | None = Field(None, validation_alias=_alias("CREDITGRAPH_ID_KEY_FILE"))
    api_keys: str = Field("", validation_alias=_alias("CREDITGRAPH_API_KEYS"))
    public: bool = Field(False, validation_alias=_alias("CREDITGRAPH_PUBLIC"))
    today: str | None = Field(None, validation_alias=_alias("CREDITGRAPH_TODAY"))
    request_timeout: float = Field(
        10.0, validation_alias=_alias("CREDITGRAPH_REQUEST_TIMEOUT"), ge=0, le=3600
    )
    write_timeout: float = Field(
        30.0, validation_alias=_alias("CREDITGRAPH_WRITE_TIMEOUT"), gt=0, le=3600
    )
    max_body_bytes: int = Field(
        8 * 1024 * 1024,
        validation_alias=_alias("CREDITGRAPH_MAX_BODY_BYTES"),
        ge=1024,
        le=1024**3,
        strict=False,
    )
    cors_origins: str = Field("", validation_alias=_alias("CREDITGRAPH_CORS_ORIGINS"))
    sources: str = Field("", validation_alias=_alias("CREDITGRAPH_SOURCES"))
    delivery_poll: float = Field(
        0.2, validation_alias=_alias("CREDITGRAPH_DELIVERY_POLL"), gt=0, le=60
    )
    audit_sync: float = Field(0.0, validation_alias=_alias("CREDITGRAPH_AUDIT_SYNC"), ge=0, le=60)
    neo4j_user: str | None = Field(None, validation_alias=_alias("NEO4J_USER"))
    neo4j_password: str | None = Field(None, validation_alias=_alias("NEO4J_PASSWORD"))

    @field_validator("today")
    @classmethod
    def _iso_date(cls, value: str | None) -> str | None:
        if value is not None:
            if len(value) != 10:
                raise ValueError("not a date")
            dt.date.fromisoformat(value)
        return value

    @field_validator("store")
    @classmethod
    def _store(cls, value: str) -> str:
        if unknown_store_scheme(value):
            raise ValueError("not a path or a bolt:// / neo4j:// URL")
        return value

    @field_validator("api_keys")
    @classmethod
    def _key_list(cls, value: str) -> str:
        for role in parse_api_keys(value).values():
            if role not in API_ROLES:  # every command refuses it, not only serve
                raise ValueError("not a role")
        return value

    @field_validator("cors_origins")
    @classmethod
    def _origins(cls, value: str) -> str:
        for origin in filter(None, (o.strip() for o in value.split(","))):
            if origin != "*" and not origin.startswith(("http://", "https://")):
                raise ValueError("not an origin")
        return value

    @field_validator("request_timeout", "write_timeout", "delivery_poll", "audit_sync")
    @classmethod
    def _finite(cls, value: float) -> float:
        if not math.isfinite(value):
            raise ValueError("not a finite number")
        return value


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    """The settings from ``env`` (default: the process environment).

    Raises :class:`SettingsError` with one line: ``VARIABLE: 'value' is not valid; expected
    …`` (a secret's value is never repeated)."""
    try:
        if env is None:
            raw = _Environment()  # type: ignore[call-arg]  # fields come from the environment
        else:
            raw = _Environment.model_validate({k: v for k, v in env.items() if v != ""})
    except ValidationError as exc:
        raise _settings_error(exc, env if env is not None else os.environ) from None
    return Settings(
        store=raw.store,
        neo4j_user=raw.neo4j_user,
        neo4j_password=raw.neo4j_password,
        # extra rule folders (a city's own rules)
        rule_dirs=tuple(Path(p) for p in raw.rules.split(os.pathsep) if p),
        # the secret identity numbers are hashed with (stretched with scrypt); or a file
        # holding it, outside the store's folder
        id_key=raw.id_key,
        id_key_file=raw.id_key_file,
        api_keys=parse_api_keys(raw.api_keys),
        # anonymous callers get the public role (public facts only)
        public_access=raw.public,
        # the date "today" means (reproducible demos and audits)
        today=dt.date.fromisoformat(raw.today) if raw.today else None,
        request_timeout_s=raw.request_timeout,
        write_timeout_s=raw.write_timeout,
        max_body_bytes=raw.max_body_bytes,
        # browser origins allowed to call the API, comma-separated ("*" for any)
        cors_origins=tuple(o.strip() for o in raw.cors_origins.split(",") if o.strip()),
        source_dirs=tuple(Path(p) for p in raw.sources.split(os.pathsep) if p),
        delivery_poll_s=raw.delivery_poll,
        audit_sync_s=raw.audit_sync,
    )


_SECRETS = frozenset({"CREDITGRAPH_ID_KEY", "CREDITGRAPH_API_KEYS", "NEO4J_PASSWORD"})


def _settings_error(exc: ValidationError, env: Mapping[str, str]) -> SettingsError:
    error = exc.errors()[0]
    name = str(error["loc"][0]) if error.get("loc") else "?"
    if name not in EXPECTED:  # a field name: map it back to its variable
        alias = (
            _Environment.model_fields[name].validation_alias
            if name in _Environment.model_fields
            else None
        )
        name = alias.choices[0] if isinstance(alias, AliasChoices) else name  # type: ignore[assignment]
    shown = "the value given" if name in _SECRETS else repr(env.get(name, ""))
    return SettingsError(
        f"{name}: {shown} is not valid; expected {EXPECTED.get(name, 'another value')}"
    )


def parse_api_keys(text: str) -> dict[str, str]:
    keys: dict[str, str] = {}
    for item in filter(None, (part.strip() for part in text.split(","))):
        key, sep, role = item.partition("=")
        if not sep or not key.strip() or not role.strip():
            raise ValueError("an entry is not KEY=ROLE")
        keys[key.strip()] = role.strip()
    return keys


def today(settings: Settings | None = None) -> dt.date:
    chosen = (settings or load_settings()).today
    return chosen or dt.date.today()

"""Every environment variable creditgraph reads, in one place."""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field
from pathlib import Path


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
    cors_origins: tuple[str, ...] = ()
    delivery_poll_s: float = 0.2


def load_settings(env: dict[str, str] | None = None) -> Settings:
    env = dict(os.environ if env is None else env)
    return Settings(
        # CREDITGRAPH_STORE: a path (embedded store) or a bolt:// / neo4j:// URL
        store=env.get("CREDITGRAPH_STORE") or "./creditgraph.db",
        neo4j_user=env.get("NEO4J_USER"),
        neo4j_password=env.get("NEO4J_PASSWORD"),
        # CREDITGRAPH_RULES: extra rule folders (a city's own rules), separated by os.pathsep
        rule_dirs=tuple(Path(p) for p in env.get("CREDITGRAPH_RULES", "").split(os.pathsep) if p),
        # CREDITGRAPH_ID_KEY: the secret identity numbers are hashed with (stretched with
        # scrypt); or CREDITGRAPH_ID_KEY_FILE: a file holding it, outside the store's folder
        id_key=env.get("CREDITGRAPH_ID_KEY"),
        id_key_file=env.get("CREDITGRAPH_ID_KEY_FILE"),
        # CREDITGRAPH_API_KEYS: "key1=approval,key2=investigator,key3=steward"
        api_keys=_parse_api_keys(env.get("CREDITGRAPH_API_KEYS", "")),
        # CREDITGRAPH_PUBLIC=1: anonymous callers get the public role (public facts only)
        public_access=env.get("CREDITGRAPH_PUBLIC", "") in {"1", "true", "yes"},
        # CREDITGRAPH_TODAY: the date "today" means (reproducible demos and audits)
        today=dt.date.fromisoformat(env["CREDITGRAPH_TODAY"])
        if env.get("CREDITGRAPH_TODAY")
        else None,
        request_timeout_s=float(env.get("CREDITGRAPH_REQUEST_TIMEOUT", "10")),
        # CREDITGRAPH_CORS_ORIGINS: browser origins allowed to call the API, comma-separated
        # ("https://a.example,https://b.example", or "*"); unset: no cross-origin access
        cors_origins=tuple(o.strip() for o in env.get("CREDITGRAPH_CORS_ORIGINS", "").split(",") if o.strip()),
        # CREDITGRAPH_DELIVERY_POLL: seconds between looks at the outbox for alerts and
        # notices to deliver (a write from another process, e.g. `creditgraph load`)
        delivery_poll_s=float(env.get("CREDITGRAPH_DELIVERY_POLL", "0.2")),
    )


def _parse_api_keys(text: str) -> dict[str, str]:
    keys: dict[str, str] = {}
    for item in filter(None, (part.strip() for part in text.split(","))):
        key, sep, role = item.partition("=")
        if not sep or not key or not role:
            raise ValueError(f"CREDITGRAPH_API_KEYS entry {item!r} should be KEY=ROLE")
        keys[key] = role
    return keys


def today(settings: Settings | None = None) -> dt.date:
    chosen = (settings or load_settings()).today
    return chosen or dt.date.today()

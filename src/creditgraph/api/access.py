"""Who may ask what: API keys mapped to access roles, and what each role may see.

- ``approval``: check operations only (approval systems screening an appointment or a bid);
- ``investigator``: every read;
- ``steward``: every read, the writes, the audit log, and masked identity numbers;
- ``public`` (anonymous, when CREDITGRAPH_PUBLIC=1): public facts only — enterprises, their
  events and restrictions; no person is ever shown, not even as "exists".

With no keys configured, a server bound to a loopback address runs in open local mode:
every caller has every right (a developer on their own machine). Bound anywhere else
without keys, the server refuses to start.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from creditgraph.service.errors import ServiceError


class AccessRole(StrEnum):
    APPROVAL = "approval"
    INVESTIGATOR = "investigator"
    STEWARD = "steward"
    PUBLIC = "public"


class Right(StrEnum):
    CHECK = "check"  # checkAppointment(s), checkEligibility
    READ_PUBLIC = "read_public"  # enterprises, their events and restrictions
    READ = "read"  # everything else that reads: persons, associations
    WRITE = "write"  # importRecords, recordEvent
    AUDIT = "audit"  # auditLog
    SEE_ID_NUMBERS = "see_id_numbers"  # the masked identity number of persons


RIGHTS: Mapping[AccessRole, frozenset[Right]] = {
    AccessRole.APPROVAL: frozenset({Right.CHECK}),
    AccessRole.INVESTIGATOR: frozenset({Right.CHECK, Right.READ_PUBLIC, Right.READ}),
    AccessRole.STEWARD: frozenset(Right),
    AccessRole.PUBLIC: frozenset({Right.READ_PUBLIC}),
}


class Unauthenticated(ServiceError):
    code = "UNAUTHENTICATED"


class Forbidden(ServiceError):
    code = "FORBIDDEN"


class AccessConfigError(ValueError):
    """CREDITGRAPH_API_KEYS names a role that does not exist, or the binding is unsafe."""


@dataclass(frozen=True)
class Principal:
    """The caller: a label safe to log (never the key itself) and an access role."""

    name: str
    role: AccessRole

    def may(self, right: Right) -> bool:
        return right in RIGHTS[self.role]


LOCAL = Principal("local", AccessRole.STEWARD)
ANONYMOUS_PUBLIC = Principal("anonymous", AccessRole.PUBLIC)


@dataclass(frozen=True)
class AccessPolicy:
    keys: Mapping[str, AccessRole]
    public: bool
    open_local: bool

    @classmethod
    def configure(
        cls, api_keys: Mapping[str, str], *, public: bool, host: str | None
    ) -> AccessPolicy:
        """The policy for a server bound to ``host`` (None: in-process, treated as loopback)."""
        keys = {}
        for key, role in api_keys.items():
            try:
                keys[key] = AccessRole(role)
            except ValueError:
                raise AccessConfigError(
                    f"CREDITGRAPH_API_KEYS: role {role!r} is not one of "
                    f"{', '.join(r.value for r in AccessRole if r is not AccessRole.PUBLIC)}"
                ) from None
            if keys[key] is AccessRole.PUBLIC:
                raise AccessConfigError(
                    "CREDITGRAPH_API_KEYS: 'public' is the anonymous role; enable it with "
                    "CREDITGRAPH_PUBLIC=1 instead of giving it a key"
                )
        if not keys and host is not None and not is_loopback(host):
            raise AccessConfigError(
                f"refusing to serve on {host} without API keys: anyone who can reach it would "
                'have every right. Set CREDITGRAPH_API_KEYS (e.g. "KEY1=approval,KEY2=steward") '
                "or bind 127.0.0.1"
            )
        return cls(keys=keys, public=public, open_local=not keys)

    def identify(self, key: str | None) -> Principal:
        """The caller presenting ``key`` (None when no key was sent)."""
        if self.open_local:
            return LOCAL
        if key is None:
            if self.public:
                return ANONYMOUS_PUBLIC
            raise Unauthenticated(
                "an API key is required: send 'Authorization: Bearer KEY' or 'X-API-Key: KEY'"
            )
        for known, role in self.keys.items():
            if hmac.compare_digest(known.encode(), key.encode()):
                return Principal(f"key:{_fingerprint(known)}", role)
        raise Unauthenticated("the API key is not recognised")


def _fingerprint(key: str) -> str:
    """A short, stable label for a key in the audit log (the key itself is never stored)."""
    return hashlib.sha256(key.encode()).hexdigest()[:12]


def key_from_headers(headers: Mapping[str, str]) -> str | None:
    authorization = headers.get("authorization")
    if authorization:
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() == "bearer" and token.strip():
            return token.strip()
    api_key = headers.get("x-api-key")
    return api_key.strip() if api_key and api_key.strip() else None


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def forbidden(principal: Principal, right: Right) -> Forbidden:
    what = {
        Right.CHECK: "run checks",
        Right.READ_PUBLIC: "read enterprises",
        Right.READ: "read persons and associations",
        Right.WRITE: "write records",
        Right.AUDIT: "read the audit log",
        Right.SEE_ID_NUMBERS: "see identity numbers",
    }[right]
    allowed = sorted(role.value for role, rights in RIGHTS.items() if right in rights)
    return Forbidden(
        f"the {principal.role.value} role may not {what} (allowed: {', '.join(allowed)})"
    )

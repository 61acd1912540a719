"""Store schema versions and the steps between them (``creditgraph migrate``).

Every store records the schema version it was written with. Opening a store checks it:
the current version opens; an older one is refused with the command that upgrades it
(nothing is changed behind the operator's back: a migration can be long, and a server
must not start one on its own); a newer one is refused with the advice to upgrade
creditgraph. ``creditgraph migrate`` runs the missing steps in order, each in its own
transaction, recording the version after each — so an interrupted migration resumes.

A step is a function per store kind, listed in :data:`EMBEDDED_STEPS` / :data:`NEO4J_STEPS`
under the version it produces. To change a store's layout: raise :data:`CURRENT`, add the
step for both stores, and a test that opens a store of the previous version.
"""

from __future__ import annotations

from creditgraph.store.base import StoreError

# The layout this creditgraph writes. 0 stands for stores written before versions were
# recorded (embedded stores without the meta row; Neo4j stores whose meta node has no
# schema_version).
#   1: versions recorded (constraints and indexes of the time)
#   2: persons findable by identity number (the embedded store's identity_keys index)
#   3: the monitoring outbox (changes, alerts, notices, watches, feedback)
#   4: names findable by pinyin (PINYIN_NAME_KEYS: the embedded store's name_keys table,
#      Neo4j's name_keys property and its TEXT index)
#   5: the embedded store's audit log in a database of its own beside it (AUDIT_APART;
#      nothing changes in Neo4j)
#   6: notices findable by the restriction they announce (NOTICES_BY_RESTRICTION: the
#      monitor table's restriction column, the MonitorRecord restriction property; each
#      with its index)
PINYIN_NAME_KEYS = 4  # named, so that a merge with another version renumbers one line
AUDIT_APART = 5
NOTICES_BY_RESTRICTION = 6
CURRENT = 6


class SchemaVersionError(StoreError):
    """The store's schema version is not the one this creditgraph reads (exit code 1)."""


def check_version(stored: int, where: str, *, migrating: bool = False) -> None:
    """Refuse a store this creditgraph must not read or write as it is."""
    if stored > CURRENT:
        raise SchemaVersionError(
            f"{where}: written by a newer creditgraph (store schema version {stored}, this "
            f"one reads {CURRENT}): upgrade creditgraph to use it"
        )
    if stored < CURRENT and not migrating:
        raise SchemaVersionError(
            f"{where}: store schema version {stored} is older than this creditgraph's "
            f"({CURRENT}); upgrade it with: creditgraph migrate --store {where}"
        )


def step_done(version: int, step: object) -> str:
    """The line ``migrate`` reports for a step: its version and its docstring on one line."""
    text = str(getattr(step, "__doc__", None) or getattr(step, "__name__", ""))
    return f"{version}: {' '.join(text.split())}"


def parse_version(value: object) -> int:
    try:
        return int(str(value))
    except ValueError:
        raise SchemaVersionError(f"stored schema version {value!r} is not a number") from None


__all__ = [
    "AUDIT_APART",
    "CURRENT",
    "NOTICES_BY_RESTRICTION",
    "PINYIN_NAME_KEYS",
    "SchemaVersionError",
    "check_version",
    "parse_version",
    "step_done",
]

"""Stores behind one interface: the embedded SQLite store and the Neo4j store."""

from __future__ import annotations

from creditgraph.schema import GraphSchema, default_schema
from creditgraph.settings import NEO4J_SCHEMES, Settings, load_settings, unknown_store_scheme
from creditgraph.store.base import GraphStore, StoreError


class StoreUrlError(StoreError):
    """A store URL of a scheme creditgraph does not know: the caller's input (exit 2)."""


def open_store(
    url: str | None = None,
    *,
    settings: Settings | None = None,
    schema: GraphSchema | None = None,
    create: bool = True,
    migrating: bool = False,
) -> GraphStore:
    """A plain path opens the embedded store; a bolt:// or neo4j:// URL, Neo4j.

    ``create=False`` refuses a path that holds no store (a mistyped ``--store`` must not
    answer from an empty store). A store of an older schema version is refused with the
    command that migrates it, unless ``migrating``."""
    settings = settings or load_settings()
    schema = schema or default_schema(settings.rule_dirs)
    url = url or settings.store
    if url.startswith(NEO4J_SCHEMES):
        from creditgraph.store.neo4j import Neo4jStore

        neo4j_store = Neo4jStore(
            url,
            schema,
            user=settings.neo4j_user,
            password=settings.neo4j_password,
            id_key=settings.id_key,
            id_key_file=settings.id_key_file,
            create=create,
            migrating=migrating,
            write_timeout_s=settings.write_timeout_s,
        )
        neo4j_store.pinned_today = settings.today  # the day monitoring judges changes on
        return neo4j_store
    if unknown_store_scheme(url):
        raise StoreUrlError(
            f"{url}: unknown store URL scheme (use a file path, bolt:// or neo4j://)"
        )
    from creditgraph.store.embedded import EmbeddedStore

    embedded = EmbeddedStore(
        url,
        schema,
        id_key=settings.id_key,
        id_key_file=settings.id_key_file,
        create=create,
        migrating=migrating,
        write_timeout_s=settings.write_timeout_s,
    )
    embedded.pinned_today = settings.today  # the day monitoring judges changes on
    return embedded


__all__ = ["GraphStore", "StoreError", "StoreUrlError", "open_store"]

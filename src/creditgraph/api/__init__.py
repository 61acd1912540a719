"""The GraphQL API over HTTP: FastAPI + strawberry.

- ``schema.py`` builds the schema once (types in ``types.py``, root fields in ``query.py``,
  enums generated from ``graph_schema/`` in ``enums.py``, scalars in ``scalars.py``) and runs
  requests under the cost limits and the request deadline;
- ``access.py`` maps API keys to access roles and rights; ``audit.py`` writes the audit trail,
  which ``log_syncer.py``, a process of its own, syncs to disk;
- ``app.py`` is the FastAPI application; ``commands.py`` the ``serve`` and ``demo`` commands;
- ``sdl.py`` prints the schema checked in as ``schema.graphql``.

Resolvers call the service layer (``creditgraph.service``), never a store's SQL or Cypher.
"""

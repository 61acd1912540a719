"""Traversal reads of the association queries (issue 14), as a store answers them.

``levelwise`` holds the breadth-first implementations over :meth:`GraphStore.links` —
one set-based read per level — that the embedded store uses (its reads are index range
scans in the same process, so a level is microseconds); the Neo4j store answers the
same operations with Cypher (``cypher/traversal/``). The service layer
(``creditgraph.service.investigation``) calls the operations and keeps their meaning.
"""

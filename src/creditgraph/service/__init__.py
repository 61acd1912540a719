"""The service layer: decisions for approval systems and association queries for investigators.

It speaks the domain and calls a :class:`~creditgraph.store.base.GraphStore`; the CLI and the
GraphQL API call it.
"""

"""creditgraph: a dated credit relationship graph with cited, time-windowed penalty propagation."""

__version__ = "0.1.0"

"""Synthetic registries for demos, tests and benchmarks.

``generate(path_or_stream, size, seed, progress)`` writes contract JSON Lines with
the shape of a real Chinese enterprise registry — valid credit codes, same-name
people, nominee legal representatives, ownership chains, sanctions and their
lifting — deterministically by seed. Sizes: S ≈ 10k links, M ≈ 1M, L ≈ 10M.
"""

from creditgraph.synth.generator import HORIZON, SIZES, GenerationSummary, generate, parse_size

__all__ = ["HORIZON", "SIZES", "GenerationSummary", "generate", "parse_size"]

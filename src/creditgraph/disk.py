"""Putting what was written to a file on disk: one helper for the store, which syncs its
audit log's write-ahead log itself, and for the process that syncs it on a server's
behalf (:mod:`creditgraph.api.log_syncer`). Kept free of the package's heavier imports,
so that process starts in milliseconds."""

from __future__ import annotations

import os
from pathlib import Path


def sync_file(path: Path) -> int:
    """Put what was written to ``path`` on disk; its size in bytes. A missing file has
    nothing to put there (0)."""
    try:
        # non-blocking, so that a path that is no regular file fails instead of hanging
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except FileNotFoundError:
        return 0
    try:
        os.fsync(fd)
        return os.fstat(fd).st_size
    finally:
        os.close(fd)

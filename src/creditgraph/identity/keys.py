"""The key identity numbers are hashed with, kept away from the data they protect.

Why not a key file beside the store (as before): an export plus that file let anyone
recover every number by trying the few thousand birth dates a mask hides. So the secret
comes from the environment (``CREDITGRAPH_ID_KEY``) or from a key file named by
``CREDITGRAPH_ID_KEY_FILE`` that is not inside the store's folder, and the key actually used
is stretched from it with scrypt once when the store opens: a guessed passphrase costs an
attacker a scrypt run per guess, not one HMAC.
"""

from __future__ import annotations

import hashlib
import os
import secrets
from functools import lru_cache
from pathlib import Path

from creditgraph.store.base import StoreError

KEY_VARIABLE = "CREDITGRAPH_ID_KEY"
KEY_FILE_VARIABLE = "CREDITGRAPH_ID_KEY_FILE"
MISSING_KEY = (
    f"identity numbers need a key kept apart from the store: set {KEY_VARIABLE}, or "
    f"{KEY_FILE_VARIABLE} to a key file outside the store's folder"
)
# scrypt at n=2^14, r=8: 16 MiB and some tens of milliseconds, once per process and secret
_SCRYPT = {"n": 2**14, "r": 8, "p": 1, "maxmem": 64 * 2**20, "dklen": 32}
_SALT = b"creditgraph identity numbers v2"


class MissingIdKey(StoreError):
    """No key is configured (or the configured one is unusable); the message names the fix."""


# what the API answers a question that needs the key when the server has none (its message
# names the variables; 503: the server's configuration, not the caller's input)
ID_KEY_NOT_CONFIGURED = "ID_KEY_NOT_CONFIGURED"


@lru_cache(maxsize=16)
def derive_id_key(secret: str) -> bytes:
    """The HMAC key for identity numbers, stretched from the configured secret."""
    return hashlib.scrypt(secret.encode("utf-8"), salt=_SALT, **_SCRYPT)


def read_key_file(path: str | os.PathLike[str], *, store_dir: Path | None = None) -> str:
    """The secret in a key file, refused when it lies inside the store's folder (unless in
    creditgraph's configuration folder, and the store is not)."""
    key_file = Path(path).expanduser().resolve()
    if store_dir is not None:
        folder = store_dir.resolve()
        config = config_dir().resolve()
        # creditgraph's own configuration folder holds keys by design (the demo's): a store
        # in the home folder has it below its folder, and that is not "beside the data"
        kept_apart = config in key_file.parents and not (
            folder == config or config in folder.parents
        )
        if not kept_apart and (key_file.parent == folder or folder in key_file.parents):
            raise MissingIdKey(
                f"{KEY_FILE_VARIABLE}={key_file} is inside the store's folder {folder}: keep "
                "the key away from the data it protects"
            )
    try:
        secret = key_file.read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise MissingIdKey(f"{KEY_FILE_VARIABLE}={key_file}: cannot read it: {exc}") from None
    if not secret:
        raise MissingIdKey(f"{KEY_FILE_VARIABLE}={key_file} is empty")
    return secret


def resolve_secret(
    configured: str | None, key_file: str | None, *, store_dir: Path | None = None
) -> str | None:
    """The configured secret: the variable wins, then the key file; None when neither."""
    if configured:
        return configured
    if key_file:
        return read_key_file(key_file, store_dir=store_dir)
    return None


def create_key_file(path: Path) -> Path:
    """A fresh random secret in a new 0600 file (``demo`` keeps one in its config folder)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(32))
    return path


def config_dir() -> Path:
    """Where creditgraph keeps its own configuration (never a store's folder)."""
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "creditgraph"

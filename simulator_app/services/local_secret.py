"""The embedded default's own SECRET_KEY: random, made once, kept under HSIM_VAR_DIR.

`./hsim run` serves with DEBUG off like production, and its web, worker and Flower refuse a
published key (hsim_project/deploy_checks.py); a key kept in the var dir keeps sessions valid
across restarts without anyone having to set one.
"""

import os
import secrets
from pathlib import Path

FILE_NAME = "secret_key"


def local_secret_key(var_dir):
    path = Path(var_dir) / FILE_NAME
    if path.exists():
        key = path.read_text().strip()
        if key:
            return key
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(50)
    # Readable by its owner only; O_EXCL: of two first runs at once, one writes, both read it.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip() or key
    with os.fdopen(fd, "w") as f:
        f.write(key + "\n")
    return key

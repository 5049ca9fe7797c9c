"""Unexpected errors: the traceback kept where the operator looks, the person shown one sentence
with an id that finds it (a user never sees a traceback, nor the server's paths)."""
from __future__ import annotations

import logging
import tempfile
import uuid
from pathlib import Path

LOG = logging.getLogger("kam.errors")
LOG.propagate = False  # a command line's stderr gets the sentence, not the traceback


def log_file(root: Path) -> Path:
    """The store's error log, or one in the temporary folder when the store cannot be written."""
    for folder in (root / ".logs", Path(tempfile.gettempdir())):
        try:
            folder.mkdir(parents=True, exist_ok=True)
            path = folder / "kam-errors.log"
            path.open("a").close()
            return path
        except OSError:
            continue
    raise OSError("no folder to log an error in")


def record(error: BaseException, root: Path, *, console: bool = False) -> tuple[str, Path]:
    """Log the error with its traceback (also on the server's console if asked); its id and log file."""
    error_id = uuid.uuid4().hex[:8]
    path = log_file(root)
    handlers = [logging.FileHandler(path, encoding="utf-8")] + ([logging.StreamHandler()] if console else [])
    for handler in handlers:
        handler.setFormatter(logging.Formatter("%(asctime)s %(message)s"))
        LOG.addHandler(handler)
    try:
        LOG.error("error %s: %s", error_id, error, exc_info=error)
    finally:
        for handler in handlers:
            LOG.removeHandler(handler)
            handler.close()
    return error_id, path

"""A command used wrongly: main prints the message and exits 2, no traceback."""
from __future__ import annotations


class UsageError(Exception):
    pass

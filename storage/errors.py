"""Errors of the storage layer that callers may catch without importing a database driver."""


class DatabaseError(Exception):
    """A database that is misconfigured or out of reach; ``str()`` is one line for people."""

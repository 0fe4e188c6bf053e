"""Errors the command line turns into one line for people (kept free of heavy imports)."""


class StartupError(Exception):
    """The server cannot start (a port in use, say); ``str()`` says why in one line."""

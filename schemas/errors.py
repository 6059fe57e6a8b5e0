"""The one base class of every user-facing error.

It lives here so stats/ and schemas/ can raise it without importing the engine.
"""


class EmocurateError(Exception):
    """A problem the user can fix; str(err) is one line saying what is wrong and what to do."""

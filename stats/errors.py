"""User-facing errors raised by ``emocurate.stats``.

They derive from the project-wide ``EmocurateError`` (kept in ``schemas`` so that ``stats``
never imports the engine), so the CLI prints them as one line.
"""

from __future__ import annotations

from emocurate.schemas.errors import EmocurateError

__all__ = ["EmocurateError", "NoVariationError", "StatsInputError"]


class StatsInputError(EmocurateError, ValueError):
    """The ratings (or segments) table cannot be used as given; the message says what to fix."""


class NoVariationError(StatsInputError):
    """Every pairable rating has the same value, so a chance-corrected coefficient is undefined.

    Krippendorff (2011) defines alpha = 1 - D_o/D_e; when all pairable values are equal the
    expected disagreement D_e is 0 and alpha is 0/0. We raise instead of returning
    1.0 or NaN so that no undefined number reaches a published table.
    """

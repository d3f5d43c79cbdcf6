"""Errors a user can cause. They carry a message a student understands and never surface as a
traceback in the app or the CLI."""

from __future__ import annotations


class GradExplorerError(Exception):
    """Base of every error the project raises on purpose for bad user input."""

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message if not self.hint else f"{self.message} ({self.hint})"


class ExprError(GradExplorerError):
    """A mistake in a typed expression, with the span [start, end) in the original text.

    ``fix`` is the whole text corrected, when the correction is certain (glued letters spaced
    apart, a name in the wrong case): the app offers it as a one-key fix."""

    def __init__(
        self,
        message: str,
        start: int,
        end: int,
        *,
        text: str = "",
        hint: str | None = None,
        fix: str | None = None,
    ) -> None:
        super().__init__(message, hint=hint)
        self.start = start
        self.end = max(end, start)
        self.text = text
        self.fix = fix

    def caret(self) -> str:
        """The input on one line and carets under the offending span on the next."""
        width = max(1, self.end - self.start)
        return f"{self.text}\n{' ' * self.start}{'^' * width}"


class SessionError(GradExplorerError):
    """A session or preset file that cannot be opened or saved."""


class ReplayError(GradExplorerError):
    """A backward algorithm that cannot be replayed on this graph (unknown, or too many
    visits to run in reasonable time)."""

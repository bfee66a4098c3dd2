"""Errors that stop a run on purpose, and the one way their messages are bounded.

Invariant: a `RunStopped` means the run cannot be trusted as it stands (bad or missing input, a failed
`error`-level check, a change too large to publish without a human): retrying the same task cannot help,
nothing downstream may publish, and the message says what to look at. Its message is at most
`MAX_MESSAGE_CHARS` long whatever the input held (`clip`): a message names values, and a damaged input
must not turn one error into hundreds of megabytes of log and stop record. `validation_problems` is
the one reading of a pydantic error for people: field paths and messages, never the input's values.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pydantic import ValidationError

MAX_MESSAGE_CHARS = 8000
# How much of one field path or one problem a message quotes, and how many problems it lists.
_MAX_PART_CHARS = 120
_MAX_PROBLEMS = 20


def clip(text: str, limit: int = MAX_MESSAGE_CHARS) -> str:
    """`text` cut to `limit` characters, saying how much was left out."""
    if len(text) <= limit:
        return text
    note = f" ... [{len(text) - limit} more characters not shown]"
    return text[: max(limit - len(note), 0)] + note


def validation_problems(exc: ValidationError, top: str = "(top level)") -> str:
    """`field.path: message; ...` for people: bounded, and without the offending values."""
    errors = exc.errors(include_url=False, include_input=False, include_context=False)
    parts = []
    for err in errors[:_MAX_PROBLEMS]:
        where = clip(".".join(str(p) for p in err["loc"]) or top, _MAX_PART_CHARS)
        parts.append(f"{where}: {clip(str(err['msg']), _MAX_PART_CHARS)}")
    if len(errors) > _MAX_PROBLEMS:
        parts.append(f"and {len(errors) - _MAX_PROBLEMS} more problems")
    return "; ".join(parts)


class RunStopped(Exception):
    """The run must stop; the message names the dataset, file, row or rule and what to do next."""

    def __init__(self, *args: object) -> None:
        if len(args) == 1 and isinstance(args[0], str):
            args = (clip(args[0]),)
        super().__init__(*args)


class InputMissing(RunStopped):
    """A partner export or the ownership reference is missing or empty for the logical date."""


class NothingToDo(Exception):
    """A stage has nothing to do in this run (Airflow marks its task skipped)."""

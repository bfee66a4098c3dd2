"""Errors that stop a run on purpose.

Invariant: a `RunStopped` means the run cannot be trusted as it stands (bad or missing input, a failed
`error`-level check, a change too large to publish without a human): retrying the same task cannot help,
nothing downstream may publish, and the message says what to look at.
"""


class RunStopped(Exception):
    """The run must stop; the message names the dataset, file, row or rule and what to do next."""


class InputMissing(RunStopped):
    """A partner export or the ownership reference is missing or empty for the logical date."""


class NothingToDo(Exception):
    """A stage has nothing to do in this run (Airflow marks its task skipped)."""

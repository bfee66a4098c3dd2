"""The words revocation lists are made of: their shared column names, how several values share a cell,
and how a cell is made safe for a person to open.

Invariant: every module that builds, reads or screens a list cell (pipeline/publish, the partners' list
formats in pipeline/partners/<kind>/revocations.py, pipeline/policy/carry.py, pipeline/run/screen.py)
takes these names and rules from here, and this module imports nothing of the pipeline, so policy and
publishing share them without depending on each other.

Neutralising: a cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return gets a single quote
(`'`) in front of it (OWASP's advice for CSV injection; the quote shows in a spreadsheet and says
"text"). Line breaks inside a cell become spaces, so one record is one line. Neutralising is idempotent
(a neutralised cell starts with `'`).
"""

from __future__ import annotations

# Columns every partner's list has, besides its own key and identifiers.
DECISION = "decision"
REASON_CODES = "reason_codes"
EFFECTIVE_DATE = "effective_date"
LISTED_SINCE = "listed_since"
EXPLANATION = "explanation"
COMMON_COLUMNS = (DECISION, REASON_CODES, EFFECTIVE_DATE, LISTED_SINCE, EXPLANATION)
# The first column of a delta: the row's relation to the previous snapshot.
CHANGE = "change"

# Several values in one cell (product codes, agreement ids, reason codes) are joined with this.
MULTI_VALUE_SEPARATOR = ";"

_FORMULA_LEADS = frozenset("=+-@\t\r")
_LINE_BREAKS = str.maketrans({"\r": " ", "\n": " "})


def neutralise(cell: str) -> str:
    """The cell as a spreadsheet shows it but never evaluates it (see the module docstring)."""
    if cell[:1] in _FORMULA_LEADS:
        cell = "'" + cell
    if "\n" in cell or "\r" in cell:
        cell = cell.translate(_LINE_BREAKS)
    return cell

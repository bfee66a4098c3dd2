"""The GLEIF readers: golden copy CSV files of Level 1 LEI records and Level 2 relationship records and
reporting exceptions into the canonical ownership frames (`reader`); `golden_copy` names the columns."""

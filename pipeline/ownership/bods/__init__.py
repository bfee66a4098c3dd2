"""The BODS reader: statement files (0.4, and 0.3) into the canonical ENTITIES, IDENTIFIERS and INTERESTS frames.

Invariant: the reader is pure with respect to the process: it takes (uri, stream) pairs and returns
frames plus what it set aside; it never touches storage, clocks or process-wide switches (the stage may
turn those on around it, pipeline.run.switches). `reader` assembles, `statements` checks and flattens one
statement at a time, `workers` runs that in fresh interpreters, `schema` holds the official 0.4 schema.
"""

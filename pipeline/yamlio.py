"""Reading the YAML files people edit (run configuration, policy, exemptions): the one YAML reader for them.

Invariant: what `load` returns is plain data whose size is bounded by the size of the text. YAML anchors
and aliases are refused (an alias repeats a node without repeating its text: a few hundred bytes of
nested aliases expand to gigabytes once validated or formatted), so are texts over `MAX_TEXT_BYTES`;
tags beyond the safe ones were never allowed (`yaml.SafeLoader`). Errors are `YamlRefused` with the
source and the line, never echoing the input.
"""

from __future__ import annotations

from typing import Any

import yaml

from pipeline.errors import clip

# A configuration, a policy or an exemptions file of a few thousand entries is well under this.
MAX_TEXT_BYTES = 4 * 1024 * 1024


class YamlRefused(ValueError):
    """The text is not YAML we accept: invalid, too large, or using anchors and aliases."""


class _NoAliasLoader(yaml.SafeLoader):
    """The safe loader, refusing anchors and aliases before any node is built."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        event = self.peek_event()  # type: ignore[no-untyped-call]
        anchor = getattr(event, "anchor", None)
        if isinstance(event, yaml.AliasEvent) or anchor is not None:
            mark = event.start_mark
            raise yaml.MarkedYAMLError(
                None, None, "anchors and aliases (&name, *name) are not accepted here: write values out", mark
            )
        return super().compose_node(parent, index)


def load(text: str, source: str) -> Any:
    """Parse one YAML document of plain data (mappings, lists, scalars) without anchors or aliases."""
    size = len(text.encode("utf-8", errors="replace"))
    if size > MAX_TEXT_BYTES:
        raise YamlRefused(f"{source}: {size} bytes, more than the {MAX_TEXT_BYTES} accepted for this file")
    try:
        return yaml.load(text, Loader=_NoAliasLoader)
    except yaml.MarkedYAMLError as exc:
        where = f" (line {exc.problem_mark.line + 1}, column {exc.problem_mark.column + 1})" if exc.problem_mark else ""
        raise YamlRefused(f"{source}: not valid YAML{where}: {exc.problem or exc.context}") from exc
    except (yaml.YAMLError, ValueError) as exc:
        # ValueError: a scalar the constructor cannot convert (an integer of 100,000 digits, a bad date).
        raise YamlRefused(f"{source}: not valid YAML: {clip(str(exc), 200)}") from exc

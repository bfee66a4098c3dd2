"""Reading a rendered report as a browser would: its elements, attributes and visible text.

Invariant: built on the standard library's HTML tokenizer, so what it reports as a tag or attribute is
what a browser's parser would also see as one, whatever escaping the report got wrong.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser


@dataclass
class Page:
    tags: list[tuple[str, dict[str, str | None]]] = field(default_factory=list)
    text: str = ""

    def attrs(self, name: str) -> list[str]:
        return [str(a[name]) for _, a in self.tags if a.get(name) is not None]

    def by_attr(self, name: str, value: str) -> list[dict[str, str | None]]:
        return [a for _, a in self.tags if a.get(name) == value]


class _Parser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.page = Page()
        self._chunks: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.page.tags.append((tag, dict(attrs)))
        self._in_style = tag == "style"

    def handle_endtag(self, tag: str) -> None:
        if tag == "style":
            self._in_style = False

    def handle_data(self, data: str) -> None:
        if not self._in_style:
            self._chunks.append(data)


def parse(html: str) -> Page:
    parser = _Parser()
    parser.feed(html)
    parser.close()
    parser.page.text = "".join(parser._chunks)
    return parser.page


def cell_text(html: str, attr: str, value: str) -> str:
    """The text inside the first element carrying attr=value."""

    class _Cell(HTMLParser):
        def __init__(self) -> None:
            super().__init__(convert_charrefs=True)
            self.depth = 0
            self.found: list[str] = []
            self.done = False

        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            if self.done:
                return
            if self.depth:
                self.depth += 1
            elif dict(attrs).get(attr) == value:
                self.depth = 1

        def handle_endtag(self, tag: str) -> None:
            if self.depth:
                self.depth -= 1
                self.done = self.depth == 0

        def handle_data(self, data: str) -> None:
            if self.depth and not self.done:
                self.found.append(data)

    p = _Cell()
    p.feed(html)
    if not p.found and not p.done:
        raise AssertionError(f"no element with {attr}={value!r}")
    return "".join(p.found).strip()

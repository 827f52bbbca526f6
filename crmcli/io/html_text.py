"""HTML to plain text, for a mail that has no text/plain part: what a person reads in the HTML,
laid out in lines. No dependency: html.parser reads any HTML without raising (what a malformed
declaration makes it raise is caught), and entities are decoded as it reads.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

_BLOCKS = {"address", "article", "aside", "center", "dd", "details", "div", "dl", "dt", "fieldset", "figcaption",
           "figure", "footer", "form", "header", "main", "nav", "section", "summary", "table", "tbody", "thead",
           "tfoot", "tr", "caption"}
_PARAGRAPHS = {"p", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "blockquote", "pre", "hr"}
_HIDDEN = {"script", "style", "head", "title", "template", "noscript", "object", "iframe", "svg"}


class _HtmlText(HTMLParser):
    """Text of an HTML body: blocks on lines of their own, paragraphs apart, <br> a line break, list
    items "- ", a link "text (url)" when its text is not its address, a <blockquote> quoted with "> "
    (so that `trim` drops a quoted reply as it does in plain text), scripts, styles and the head gone."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.breaks = 0  # line breaks owed before the next text
        self.hidden: list[str] = []
        self.quotes = 0
        self.pre = 0
        self.lists: list[int] = []
        self.links: list[tuple[str, int]] = []  # (href, where its text starts in `out`)

    def _break(self, count: int) -> None:
        self.breaks = max(self.breaks, count)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _HIDDEN:
            self.hidden.append(tag)
            return
        if tag == "body":
            self.hidden = [t for t in self.hidden if t not in ("head", "title")]  # a head never closed
        if tag == "br":
            self.breaks = min(self.breaks + 1, 2) if self.out else 0
            if self.breaks == 1 and self.out and self.out[-1].endswith("\n"):
                self.breaks = 2  # a second <br> in a row: an empty line
        elif tag == "li":
            self._break(1)
            self._write("  " * max(len(self.lists) - 1, 0) + "- ")
        elif tag in _PARAGRAPHS or tag in _BLOCKS:
            self._break(2 if tag in _PARAGRAPHS and not (tag in ("ul", "ol") and self.lists) else 1)
            if tag == "blockquote":
                self.quotes += 1
            elif tag == "pre":
                self.pre += 1
            elif tag in ("ul", "ol"):
                self.lists.append(0)
            elif tag == "hr":
                self._write("---")
                self._break(2)
        elif tag in ("td", "th"):
            if self.out and not self.breaks and not self.out[-1].endswith(("\n", " ")):
                self._write(" ")
        elif tag == "a":
            self.links.append((dict(attrs).get("href") or "", len(self.out)))

    def handle_endtag(self, tag: str) -> None:
        if self.hidden:
            if tag == self.hidden[-1]:
                self.hidden.pop()
            return
        if tag in _PARAGRAPHS or tag in _BLOCKS or tag == "li":
            nested = tag in ("ul", "ol") and len(self.lists) > 1  # a list in a list item: no empty line
            self._break(2 if tag in _PARAGRAPHS and not nested else 1)
            if tag == "blockquote" and self.quotes:
                self.quotes -= 1
            elif tag == "pre" and self.pre:
                self.pre -= 1
            elif tag in ("ul", "ol") and self.lists:
                self.lists.pop()
        elif tag == "a" and self.links:
            href, start = self.links.pop()
            text = "".join(self.out[start:]).strip()
            target = href.strip()
            shown = target[7:] if target.lower().startswith("mailto:") else target
            if (text and shown and shown not in text and text not in shown
                    and not target.lower().startswith(("#", "javascript:", "cid:"))):
                self._write(f" ({shown})")
            elif not text and shown and not target.startswith("#"):
                self._write(shown)

    def handle_data(self, data: str) -> None:
        if self.hidden:
            return
        if not self.pre:
            data = re.sub(r"\s+", " ", data)
            at_start = not self.out or self.out[-1].endswith(("\n", " ")) or self.breaks
            if at_start:
                data = data.lstrip(" ")
            if not data:
                return
        self._write(data)

    def _write(self, text: str) -> None:
        if self.breaks and self.out:
            self.out.append("\n" * self.breaks)
        self.breaks = 0
        prefix = "> " * self.quotes
        if prefix:
            if not self.out or self.out[-1].endswith("\n"):
                text = prefix + text
            text = text.replace("\n", "\n" + prefix)
        self.out.append(text)

    def text(self) -> str:
        lines = [line.rstrip() for line in "".join(self.out).split("\n")]
        return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip("\n")


def html_to_text(html: str) -> str:
    """The text of an HTML mail body (see _HtmlText)."""
    parser = _HtmlText()
    try:
        parser.feed(html)
        parser.close()
    except Exception:  # noqa: BLE001 - html.parser raises on some malformed declarations: keep what was read
        pass
    return parser.text()

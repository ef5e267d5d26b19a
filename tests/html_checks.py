"""Checks on rendered HTML shared by the page tests: the Content Security Policy holds, and
what a page shows as text."""

import re
from html.parser import HTMLParser


class _PolicyScanner(HTMLParser):
    def __init__(self, nonce: str | None) -> None:
        super().__init__(convert_charrefs=True)
        self.nonce = nonce
        self.problems: list[str] = []
        self._in_inline_script = False

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        where = f"<{tag} {' '.join(f'{k}={v!r}' for k, v in attrs)[:120]}>"
        for name, value in attrs:
            if name == "style":
                self.problems.append(f"inline style attribute: {where}")
            if name.startswith("on"):
                self.problems.append(f"inline event handler: {where}")
            if name in ("href", "src", "action", "formaction") and (
                value or ""
            ).strip().lower().startswith("javascript:"):
                self.problems.append(f"javascript: URL: {where}")
        if tag in ("script", "style"):
            has_nonce = self.nonce is not None and attributes.get("nonce") == self.nonce
            if tag == "script" and "src" not in attributes and not has_nonce:
                self.problems.append(f"inline script without the nonce: {where}")
            if tag == "style" and not has_nonce:
                self.problems.append(f"inline style element without the nonce: {where}")


def csp_nonce(response) -> str | None:
    match = re.search(r"'nonce-([^']+)'", response.headers.get("Content-Security-Policy", ""))
    return match.group(1) if match else None


def csp_problems(response) -> list[str]:
    """What in this HTML response the Content Security Policy would block."""
    scanner = _PolicyScanner(csp_nonce(response))
    scanner.feed(response.content.decode())
    return scanner.problems


class _TextCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._hidden += 1

    def handle_endtag(self, tag):
        if tag in ("script", "style") and self._hidden:
            self._hidden -= 1

    def handle_data(self, data):
        if not self._hidden:
            self.parts.append(data)


def shown_text(html: str) -> str:
    """What a page shows: its text without tags, attributes (where random tokens and nonces
    live), scripts or styles; non-breaking spaces as plain ones."""
    collector = _TextCollector()
    collector.feed(html)
    return " ".join(collector.parts).replace("\xa0", " ").replace("\u202f", " ")

"""Checks on rendered HTML shared by the page tests: the Content Security Policy holds."""

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

"""What a form on a page holds, as a browser would submit it."""

from html.parser import HTMLParser


class _FormValues(HTMLParser):
    def __init__(self):
        super().__init__()
        self.values: dict[str, list[str]] = {}
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        name = attributes.get("name")
        if tag == "textarea" and name:
            self._textarea = name
            self.values.setdefault(name, []).append("")
        if tag != "input" or not name:
            return
        kind = attributes.get("type", "text")
        if kind in {"checkbox", "radio"}:
            if "checked" in attributes:
                self.values.setdefault(name, []).append(attributes.get("value") or "on")
        elif kind not in {"submit", "button"}:
            self.values.setdefault(name, []).append(attributes.get("value") or "")

    def handle_data(self, data):
        if self._textarea:
            self.values[self._textarea][-1] += data

    def handle_endtag(self, tag):
        if tag == "textarea":
            self._textarea = None


def form_values(html: str) -> dict[str, str]:
    """Each named field's value on the page (ticked boxes and radios only; the last value
    where a name repeats)."""
    parser = _FormValues()
    parser.feed(html)
    return {name: values[-1] for name, values in parser.values.items() if values}

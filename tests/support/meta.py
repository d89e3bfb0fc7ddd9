"""Reading a page's <head> as a social site does: its meta tags and canonical link."""

from html.parser import HTMLParser


class HeadTags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.meta: dict[str, str] = {}
        self.canonical = ""
        self.in_body = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "body":
            self.in_body = True
        if self.in_body:
            return
        if tag == "meta" and (attrs.get("property") or attrs.get("name")):
            self.meta[attrs.get("property") or attrs["name"]] = attrs.get("content", "")
        elif tag == "link" and attrs.get("rel") == "canonical":
            self.canonical = attrs["href"]


def head_tags(html: bytes | str) -> HeadTags:
    found = HeadTags()
    found.feed(html.decode() if isinstance(html, bytes) else html)
    return found

"""Headless Chromium (Debian's) driven by Playwright, with what each page requested."""

from dataclasses import dataclass, field
from urllib.parse import urlsplit

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, sync_playwright

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@dataclass
class BrowserPage:
    page: Page
    requests: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    failed_responses: list[str] = field(default_factory=list)

    def foreign_requests(self, origin: str) -> list[str]:
        """Requests that left `origin` (data: and blob: URLs stay in the page)."""
        own = urlsplit(origin).netloc
        return [
            url
            for url in self.requests
            if urlsplit(url).scheme in {"http", "https", "ws", "wss"}
            and urlsplit(url).netloc != own
        ]

    def serious_accessibility_violations(self) -> list[str]:
        results = Axe().run(self.page)
        return [
            f"{violation['id']} ({violation['impact']}): {violation['help']} -> "
            + "; ".join(node["target"][0] for node in violation["nodes"][:5])
            for violation in results.response["violations"]
            if violation["impact"] in {"serious", "critical"}
        ]


class BrowserSession:
    CHROMIUM = "/usr/bin/chromium"

    def start(self) -> None:
        self._playwright = sync_playwright().start()
        self.browser = self._playwright.chromium.launch(
            executable_path=self.CHROMIUM, args=CHROMIUM_ARGS
        )

    def new_page(self, width: int, height: int) -> BrowserPage:
        # Reduced motion: no colour transitions, so accessibility checks see what stays on the
        # screen rather than a frame half-way through a hover fading out.
        context = self.browser.new_context(
            viewport={"width": width, "height": height}, reduced_motion="reduce"
        )
        visit = BrowserPage(page=context.new_page())
        visit.page.on("request", lambda request: visit.requests.append(request.url))
        visit.page.on(
            "response",
            lambda response: (
                visit.failed_responses.append(f"{response.status} {response.url}")
                if response.status >= 400
                else None
            ),
        )
        visit.page.on(
            "console",
            lambda message: (
                visit.console_errors.append(message.text) if message.type == "error" else None
            ),
        )
        return visit

    def stop(self) -> None:
        self.browser.close()
        self._playwright.stop()

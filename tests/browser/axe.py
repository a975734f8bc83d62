"""axe-core (vendored in ``vendor/axe-core``) in the browser tests: WCAG 2.1 A/AA, serious and critical.

``violations(page)`` checks the page as it is now; :class:`AxeWatch` checks every page a journey
loads (the ``page`` fixture attaches one), once per address, and the test fails on what it found.
The script is evaluated through the DevTools protocol, so the pages' own CSP is left as it is (the
journeys still see a CSP violation of the platform's own scripts as a console error).
"""

from __future__ import annotations

from pathlib import Path

AXE = (Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js").read_text(encoding="utf-8")
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
SERIOUS = ("serious", "critical")

_RUN = """async (tags) => {
    const r = await axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']});
    return r.violations.map(v => ({id: v.id, impact: v.impact,
        nodes: v.nodes.slice(0, 5).map(n => n.target.join(' ') + ' :: ' + (n.failureSummary || '').slice(0, 200))}));
}"""


def violations(page) -> list[dict]:
    """The serious and critical violations of the page as it is now."""
    if not page.evaluate("() => !!window.axe"):
        page.evaluate(AXE + "\n;void 0")
    return [v for v in page.evaluate(_RUN, TAGS) if v["impact"] in SERIOUS]


class AxeWatch:
    """Checks each address the page loads, once; ``found`` maps address → violations."""

    def __init__(self, page):
        self.page = page
        self.seen: set[str] = set()
        self.found: dict[str, list[dict]] = {}
        page.on("load", self._loaded)

    def _loaded(self, page) -> None:
        url = page.url
        if url in self.seen or not url.startswith("http"):
            return
        self.seen.add(url)
        try:
            bad = violations(page)
        except Exception as exc:
            if "context was destroyed" in str(exc) or "navigation" in str(exc).lower() or "closed" in str(exc):
                self.seen.discard(url)
                return
            raise
        if bad:
            self.found[url] = bad

"""Every page a browser test visits: a screenshot at desktop and phone size under var/e2e/, and an
axe-core audit at both sizes (issue 12, points 8 and 12).

`audit(page, "inbox")` looks at the page as it is now, at 1280×900 and at 390×844, and keeps every
serious or critical axe violation; `audit.assert_clean()` fails the test with a readable list.
A page whose `<html lang>` is French is also read for English words at both sizes (issue 14,
point 5, tests/e2e/english.py): any English phrase of ours fails `assert_clean()` too.
The screenshots are kept whether the test passes or not, so anyone can review the look.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page

from tests.e2e.english import READABLE_JS, business_texts, english_in

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
SIZES = {"desktop": DESKTOP, "phone": PHONE}
BLOCKING = ("serious", "critical")
AXE = Axe()
AXE_OPTIONS = {"resultTypes": ["violations"]}


@dataclass
class Finding:
    page: str
    size: str
    rule: str
    impact: str
    help: str
    targets: list[str]

    def __str__(self) -> str:
        where = ", ".join(self.targets[:5]) + (" …" if len(self.targets) > 5 else "")
        return f"{self.page} ({self.size}): {self.rule} [{self.impact}] {self.help} — {where}"


@dataclass
class PageAudit:
    directory: Path
    findings: list[Finding] = field(default_factory=list)
    visited: list[str] = field(default_factory=list)
    english: list[str] = field(default_factory=list)  # English seen on French pages

    def __call__(self, page: Page, name: str) -> None:
        page.wait_for_load_state("networkidle")  # fragments that htmx loads on page load
        before = page.viewport_size
        number = len(self.visited) + 1
        stem = re.sub(r"[^A-Za-z0-9_.-]+", "-", name).strip("-")
        self.visited.append(name)
        self.directory.mkdir(parents=True, exist_ok=True)
        french = (page.locator("html").get_attribute("lang") or "").startswith("fr")
        readable: list[str] = []
        for size, viewport in SIZES.items():
            page.set_viewport_size(viewport)
            page.wait_for_timeout(60)  # one frame or two for the layout to settle
            page.screenshot(path=self.directory / f"{number:02d}-{stem}-{size}.png", full_page=True)
            if french:  # what is visible differs by size (the phone menu, hidden columns)
                readable += page.evaluate(READABLE_JS)
            results = AXE.run(page, options=AXE_OPTIONS).response
            self.findings += [
                Finding(
                    page=f"{name} {page.url}",
                    size=size,
                    rule=v["id"],
                    impact=v["impact"],
                    help=v["help"],
                    targets=[" ".join(map(str, n["target"])) for n in v["nodes"]],
                )
                for v in results["violations"]
                if v["impact"] in BLOCKING
            ]
        if before:
            page.set_viewport_size(before)
        if french:
            self.english += [
                f"{name} {page.url}: {p}" for p in english_in(readable, business_texts())
            ]

    def assert_clean(self) -> None:
        assert self.visited, "no page was audited"
        problems = []
        if self.findings:
            problems += ["axe found serious or critical violations:", *map(str, self.findings)]
        if self.english:
            problems += ["English on French pages:", *self.english]
        assert not problems, "\n".join(problems)

"""Every browser test fails on a Content-Security-Policy violation (issue 15, point 5).

`CspWatch.attach(context)` listens in every page and frame of a browser context: the
`securitypolicyviolation` event (reported through a Playwright binding, which the page's CSP
cannot block, as it cannot block the init script that registers the listener) and the console
messages chromium writes for a violation. The `new_page` fixture attaches one to every context it
opens and calls `assert_clean()` after the test, so no test has to remember to.
"""

from __future__ import annotations

from dataclasses import dataclass, field

BINDING = "__billpayCspViolation"
LISTENER = f"""
document.addEventListener("securitypolicyviolation", (event) => {{
  window.{BINDING}({{
    directive: event.effectiveDirective || event.violatedDirective,
    blocked: event.blockedURI || "inline",
    source: event.sourceFile ? `${{event.sourceFile}}:${{event.lineNumber}}` : "",
    sample: event.sample || "",
    page: document.location.href,
    disposition: event.disposition,
  }});
}});
"""
# What chromium prints for a refused script, style, eval, frame, form or connection.
CONSOLE_MARKERS = ("Content Security Policy", "Content-Security-Policy")


@dataclass
class CspWatch:
    violations: list[str] = field(default_factory=list)

    def attach(self, context) -> None:
        context.expose_binding(BINDING, lambda source, info: self._event(info))
        context.add_init_script(LISTENER)
        context.on("console", self._console)

    def _event(self, info: dict) -> None:
        where = f" ({info['source']})" if info.get("source") else ""
        sample = f" {info['sample']!r}" if info.get("sample") else ""
        self.violations.append(
            f"{info['page']}: {info['directive']} refused {info['blocked']}{where}{sample}"
            + (" [report-only]" if info.get("disposition") == "report" else "")
        )

    def _console(self, message) -> None:
        if any(marker in message.text for marker in CONSOLE_MARKERS):
            self.violations.append(f"console {message.type}: {message.text}")

    def take(self) -> list[str]:
        """The violations seen so far, forgotten (for a test that causes one on purpose)."""
        seen, self.violations = self.violations, []
        return seen

    def assert_clean(self) -> None:
        seen = self.take()
        assert not seen, "Content-Security-Policy violations:\n" + "\n".join(seen)

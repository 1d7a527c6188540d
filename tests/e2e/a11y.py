"""``check_a11y(page)``: axe-core on the page as it is now, WCAG 2.x A and AA rules only."""

from __future__ import annotations

from axe_playwright_python.sync_playwright import Axe

WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
#: On a browser context opened with JavaScript off: a scripted page that axe runs in
#: (see ``new_page`` in conftest and :func:`_run_axe_on_twin`).
SCRIPT_TWIN_ATTR = "lms_script_twin"
_axe = Axe()


def format_violations(url: str, violations: list[dict]) -> str:
    """Describe axe violations for a human: rule, impact, help link and each offending node."""
    lines = [f"{len(violations)} accessibility violation(s) on {url}:"]
    for v in violations:
        lines.append(f"\n- {v['id']} ({v.get('impact')}): {v['help']}")
        lines.append(f"  {v['helpUrl']}")
        for node in v["nodes"]:
            lines.append(f"  at {' '.join(map(str, node['target']))}")
            lines.append(f"     {node['html'][:200]}")
            summary = (node.get("failureSummary") or "").replace("\n", "\n       ")
            if summary:
                lines.append(f"       {summary}")
    return "\n".join(lines)


def _run_axe(page) -> list[dict]:
    results = _axe.run(
        page,
        options={
            "runOnly": {"type": "tag", "values": WCAG_TAGS},
            "resultTypes": ["violations"],
        },
    )
    return results.response["violations"]


def _run_axe_on_twin(page, twin) -> list[dict]:
    """Check a page whose context has JavaScript off, through its scripted twin.

    axe-core needs timers and promises, which never run there, so the HTML as
    the no-script browser holds it is served, at the same URL and with the
    same stylesheets from the live server, to a twin page with scripts on.
    """
    html = page.content()

    def serve_document(route):
        if route.request.resource_type == "document":
            route.fulfill(status=200, content_type="text/html; charset=utf-8", body=html)
        else:
            route.continue_()

    twin.route("**/*", serve_document)
    try:
        twin.set_viewport_size(page.viewport_size)
        twin.goto(page.url)
        return _run_axe(twin)
    finally:
        twin.unroute("**/*", serve_document)


def check_a11y(page) -> None:
    """Run axe-core on ``page`` and fail, listing them, if any WCAG 2.x A/AA rule is violated."""
    # A click does not wait for the next page's stylesheet; axe must see the styled page.
    page.wait_for_load_state("load")
    twin = getattr(page.context, SCRIPT_TWIN_ATTR, None)
    violations = _run_axe_on_twin(page, twin) if twin is not None else _run_axe(page)
    assert not violations, format_violations(page.url, violations)

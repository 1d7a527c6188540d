"""The progress matrix's cells as HTML (the page's grid; the CSV words them itself)."""

from __future__ import annotations

from flask_babel import format_percent
from markupsafe import Markup, escape

from .matrix import DONE, NOT_STARTED, Cell


class CellRenderer:
    """Renders matrix rows' cells as HTML (``render(row.cells)`` in the template).

    Done here rather than in the template: a page of 25 learners on a 48-item
    course has 1,200 cells, and a Jinja loop with escaping per cell costs
    more than the rest of the page. Cells repeat (most are "done" or "not
    started"), so each distinct one is rendered once per page.

    The markup is as light as the grid allows, the page's legend (:data:`MARKS`)
    says what the marks mean: a done cell is ``<td class="d">✓</td>`` (a quiz
    adds its best score), a cell not started is empty (read as "blank"), and
    the rarer states keep their word, which a screen reader reads as is.
    """

    def __init__(self, labels: dict[str, str]):
        self.labels = labels
        self.seen: dict[Cell, str] = {}

    def _one(self, cell: Cell) -> str:
        score = "" if cell.score is None else format_percent(round(cell.score) / 100)
        if cell.state == NOT_STARTED and not score:
            html = "<td></td>"
        elif cell.state == DONE:
            html = f'<td class="d">{MARKS[DONE]}{" " if score else ""}{escape(score)}</td>'
        else:
            text = self.labels[cell.state] + (" " + score if score else "")
            html = f'<td class="{cell.state}">{escape(text)}</td>'
        self.seen[cell] = html
        return html

    def __call__(self, cells: tuple[Cell, ...]) -> Markup:
        seen = self.seen
        return Markup(  # noqa: S704 (every cell's text is escaped in _one)
            "".join([seen.get(c) or self._one(c) for c in cells])
        )


#: The marks the grid shows instead of a word, explained once by the page's legend.
MARKS = {DONE: "\u2713", NOT_STARTED: ""}

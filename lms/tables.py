"""Data tables that reflow: on a narrow screen each row becomes a card of labelled cells.

The stylesheet (``.table-reflow`` in ``lms.css``) stacks a reflowing table's
rows and cells below ~40em and shows each cell's column heading before it
(``content: attr(data-label)``). Both need the rendered table to say more
than the template wrote, and :func:`reflow_table` adds it, server-side so it
works without JavaScript:

- ``data-label`` on each body cell: the text of its column's heading (a cell
  spanning several columns, such as "No jobs match.", gets none);
- the table roles (``table``, ``rowgroup``, ``row``, ``columnheader``,
  ``rowheader``, ``cell``), because a browser may drop a table's semantics
  from the accessibility tree once its parts are no longer displayed as table
  parts; stated outright, screen readers keep reading it as a table.

It reads the markup of the site's own templates (values in it are escaped,
so a ``<td`` in the text can only be markup), not arbitrary HTML.
"""

from __future__ import annotations

import html
import re

from markupsafe import Markup, escape

#: A table part's opening or closing tag.
_PART = re.compile(r"<(/?)(table|thead|tbody|tfoot|tr|th|td)\b([^>]*)>", re.IGNORECASE)
_TAGS = re.compile(r"<[^>]*>")
_COLSPAN = re.compile(r"""\bcolspan\s*=\s*["']?(\d+)""", re.IGNORECASE)
_ROW_SCOPE = re.compile(r"""\bscope\s*=\s*["']?row\b""", re.IGNORECASE)
_ROLES = {"table": "table", "thead": "rowgroup", "tbody": "rowgroup", "tfoot": "rowgroup",
          "tr": "row", "td": "cell"}


def _text(fragment: str) -> str:
    """The plain text of an HTML fragment, its white space collapsed."""
    return " ".join(html.unescape(_TAGS.sub(" ", fragment)).split())


def reflow_table(markup) -> Markup:
    """The templates' ``reflow_table`` filter: ``markup`` (one or more tables) with the
    table roles stated and each body cell labelled with its column's heading.

    The headings are the cells of the ``thead``'s first row; a heading spanning
    columns labels each of them. Attributes the template already wrote
    (``role``, ``data-label``) are kept.
    """
    source = str(markup)
    out: list[str] = []
    headings: list[str] = []
    section = ""
    column = 0
    heading_row_done = False
    position = 0
    for match in _PART.finditer(source):
        closing, name, attrs = match.group(1), match.group(2).lower(), match.group(3)
        if closing:
            if name in ("thead", "tbody", "tfoot"):
                if name == "thead":
                    heading_row_done = True
                section = ""
            continue
        out.append(source[position:match.start()])
        position = match.end()
        extra = ""
        if name in ("thead", "tbody", "tfoot"):
            section = name
        elif name == "table":
            headings, column, heading_row_done, section = [], 0, False, ""
        elif name == "tr":
            column = 0
            heading_row_done = heading_row_done or (section == "thead" and bool(headings))
        if name in ("th", "td"):
            span = int(m.group(1)) if (m := _COLSPAN.search(attrs)) else 1
            if section == "thead":
                role = "columnheader"
                if not heading_row_done:
                    end = source.find("</th>", match.end())
                    headings.extend([_text(source[match.end():end])] * span)
            else:
                role = "rowheader" if name == "th" and _ROW_SCOPE.search(attrs) else (
                    "columnheader" if name == "th" else "cell")
                label = headings[column] if span == 1 and column < len(headings) else ""
                if label and "data-label" not in attrs:
                    extra += f' data-label="{escape(label)}"'
            column += span
        else:
            role = _ROLES[name]
        if "role=" not in attrs:
            extra = f' role="{role}"' + extra
        out.append(f"<{name}{extra}{attrs}>")
    out.append(source[position:])
    return Markup("".join(out))  # noqa: S704 (the template's own markup; labels escaped)

"""Tables that reflow: each body cell labelled with its column's heading, the roles stated."""

from __future__ import annotations

from flask import render_template_string
from markupsafe import Markup

from lms.tables import reflow_table

TABLE = (
    '<table><caption class="visually-hidden">Jobs</caption>'
    '<thead><tr><th scope="col">#</th><th scope="col">Name &amp; <span class="x">task</span></th>'
    '<th scope="col" colspan="2">Dates</th></tr></thead>'
    '<tbody><tr><th scope="row">1</th><td>Send</td><td>a</td><td data-label="Own">b</td></tr>'
    '<tr><td colspan="4">No jobs match.</td></tr></tbody></table>'
)


def test_each_body_cell_carries_its_columns_heading_and_every_part_its_role():
    html = reflow_table(TABLE)
    assert isinstance(html, Markup)
    assert '<table role="table">' in html
    assert html.count('role="rowgroup"') == 2 and html.count('role="row"') == 3
    assert html.count('role="columnheader"') == 3
    # The heading's text, its markup gone and escaped again for the attribute.
    assert '<th role="rowheader" data-label="#" scope="row">1</th>' in html
    assert '<td role="cell" data-label="Name &amp; task">Send</td>' in html
    # A heading over two columns labels both; a label the template wrote is kept.
    assert '<td role="cell" data-label="Dates">a</td>' in html
    assert '<td role="cell" data-label="Own">b</td>' in html
    # A cell across the table (an empty list's sentence) gets no label.
    assert '<td role="cell" colspan="4">No jobs match.</td>' in html


def test_a_role_the_template_wrote_is_kept_and_text_is_left_alone():
    html = reflow_table(Markup('<p>x</p><table role="presentation"><tr><td>&lt;td&gt;</td></tr>'
                               '</table><p>y</p>'))
    assert html == ('<p>x</p><table role="presentation"><tr role="row"><td role="cell">'
                    '&lt;td&gt;</td></tr></table><p>y</p>')


def test_the_data_table_macro_wraps_and_reflows(app):
    source = ('{% from "lms/macros.html" import data_table %}'
              '{% call data_table(labelledby="t") %}<table><thead><tr><th>A</th></tr></thead>'
              '<tbody><tr><td>{{ value }}</td></tr></tbody></table>{% endcall %}'
              '{% call data_table(reflow=false) %}<table><tr><td>x</td></tr></table>{% endcall %}')
    with app.test_request_context():
        html = render_template_string(source, value="<b>")
    assert ('<div class="table-wrap table-reflow" role="region" tabindex="0" '
            'aria-labelledby="t">') in html
    assert '<td role="cell" data-label="A">&lt;b&gt;</td>' in html
    assert '<div class="table-wrap">\n<table><tr><td>x</td></tr></table>' in html

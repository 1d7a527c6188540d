"""The catalogue and a course's page name its language ("Polish"), never its code ("pl")."""

from __future__ import annotations


def test_language_filter_and_course_page_show_names(client, make_course):
    make_course("co-op-basics", language="en")
    make_course("spoldzielnie", language="pl")
    catalogue = client.get("/courses/").get_data(as_text=True)
    assert '<option value="pl">Polish</option>' in catalogue
    assert '<option value="en">English</option>' in catalogue
    assert ">pl<" not in catalogue
    page = client.get("/courses/spoldzielnie").get_data(as_text=True)
    assert "<dd>Polish</dd>" in page
    # The filter still works by code.
    only_polish = client.get("/courses/?language=pl").get_data(as_text=True)
    assert "Spoldzielnie" in only_polish and "Co Op Basics" not in only_polish

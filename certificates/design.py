"""Per-course certificate templates: look-up, sample data, validation and saving.

An admin edits a course's HTML (a Jinja template run in the sandbox with
autoescape and strict undefined names) and its CSS. A template is checked
before it is saved or previewed: it must compile, render on the sample data
and render to PDF without asking for any URL the fetcher refuses, and the
page must show the holder's name and the course title from the variables
(a certificate says what its credential says: no title is typed). Issued
PDFs are stored, so a new template changes only later renders (new
certificates and "re-render").
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from jinja2 import TemplateError, TemplateSyntaxError
from jinja2.exceptions import SecurityError
from sqlalchemy import select

from lms import audit
from lms.db import db, utcnow

from . import pdf, pdftext
from .models import CourseTemplate

#: The variables a template may use, with what they hold (shown on the editing page).
VARIABLES: tuple[tuple[str, str], ...] = (
    ("lang", _l("The language code of the page, e.g. en.")),
    ("title", _l("The document title: “Certificate: <course>”.")),
    ("issuer_name", _l("The Centre's name.")),
    ("heading", _l("“Certificate of completion”.")),
    ("certifies", _l("“This certifies that”.")),
    ("learner_name", _l("The learner's name as it was at issue.")),
    ("learner_name_lang", _l("The language the name is written in when it is not the page's "
                             "(e.g. ur, so that CSS for :lang(ur) prints it in Nastaliq), or "
                             "empty: put it in a lang attribute on the name's element.")),
    ("completed", _l("“has completed the course”.")),
    ("course_title", _l("The course title as it was at issue.")),
    ("outcomes", _l("The course's outcomes: a list of strings (may be empty).")),
    ("issued_line", _l("“Issued on <date>”.")),
    ("hours_line", _l("“<n> hours of study”, or empty.")),
    ("valid_until_line", _l("“Valid until <date>”, or empty when it never expires.")),
    ("code", _l("The short code, e.g. 7KQ2-M4XD-9TPW.")),
    ("verify_url", _l("The verification URL (what the QR code holds).")),
    ("qr_svg", _l("The QR code of the verification URL, as SVG markup (with its text "
                  "alternative for screen readers).")),
    ("qr_alt", _l("The QR code's text alternative.")),
)

SAMPLE = pdf.PageData(
    lang="en",
    title="Certificate: Running a members' meeting",
    issuer_name="Co-operative Education Centre",
    heading="Certificate of completion",
    certifies="This certifies that",
    learner_name="Sam Sample",
    completed="has completed the course",
    course_title="Running a members' meeting",
    outcomes=("Call a general meeting with proper notice.", "Chair a meeting fairly."),
    issued_line="Issued on Jan 2, 2026",
    hours_line="6 hours of study",
    valid_until_line="Valid until Jan 2, 2029",
    code="7KQ2-M4XD-9TPW",
    verify_url="https://example.org/certificates/verify/7KQ2-M4XD-9TPW",
    qr_alt="QR code: scan it to check this certificate at "
    "https://example.org/certificates/verify/7KQ2-M4XD-9TPW",
)


class TemplateProblem(ValueError):
    """A template that cannot be used; the message says why, for the admin."""


def design_for(course_slug: str) -> pdf.Design:
    """The course's current template, or the default one."""
    row = stored(course_slug)
    return pdf.Design(html=row.html, css=row.css) if row else pdf.DEFAULT_DESIGN


def stored(course_slug: str) -> CourseTemplate | None:
    return db.session.scalar(
        select(CourseTemplate).where(CourseTemplate.course_slug == course_slug)
    )


def render_sample(design: pdf.Design) -> bytes:
    """Render ``design`` as a PDF of the sample certificate.

    :raises TemplateProblem: it does not compile, fails to render, or asks
        for a URL that is refused (files, the network).
    """
    try:
        pdf.compile_template(design.html)
    except TemplateSyntaxError as exc:
        raise TemplateProblem(
            _("The template does not compile (line %(line)s): %(error)s",
              line=exc.lineno, error=exc.message)
        ) from exc
    try:
        pdf.render_html(SAMPLE, design.html)
    except SecurityError as exc:
        raise TemplateProblem(
            _("The template tried something the sandbox forbids: %(error)s", error=str(exc))
        ) from exc
    except TemplateError as exc:
        raise TemplateProblem(
            _("The template fails on the sample data: %(error)s", error=str(exc))
        ) from exc
    except Exception as exc:
        raise TemplateProblem(
            _("The template fails on the sample data: %(error)s", error=str(exc))
        ) from exc
    refused: list[str] = []
    try:
        data = pdf.render_pdf(SAMPLE, "{}", design=design, refused=refused)
    except Exception as exc:
        raise TemplateProblem(_("The page cannot be rendered: %(error)s", error=str(exc))) from exc
    if refused:
        raise TemplateProblem(
            _("The template asks for %(urls)s. Certificates may only use data: URLs and the "
              "packaged fonts (lms-font:DejaVuSans.ttf, lms-font:DejaVuSans-Bold.ttf).",
              urls=", ".join(sorted(set(refused))))
        )
    text = pdftext.visible_text(data)
    missing = [f"{{{{ {name} }}}}" for name in ("learner_name", "course_title")
               if not pdftext.shows(text, getattr(SAMPLE, name))]
    if missing:
        raise TemplateProblem(
            _("The page must show %(variables)s: a certificate says whose it is and for which "
              "course exactly as its credential does, so neither may be typed in the template.",
              variables=_(" and ").join(missing))
        )
    return data


@dataclass
class Saved:
    created: bool


def save(course_slug: str, design: pdf.Design, actor_id: int | None) -> Saved:
    """Check ``design`` (see :func:`render_sample`) and store it for the course."""
    render_sample(design)
    row = stored(course_slug)
    created = row is None
    if row is None:
        row = CourseTemplate(course_slug=course_slug)
        db.session.add(row)
    row.html, row.css = design.html, design.css
    row.updated_dt, row.updated_by_id = utcnow(), actor_id
    db.session.flush()
    audit.record("certificates.template.saved", subject_type="course", subject_id=course_slug,
                 actor_id=actor_id)
    return Saved(created=created)


def reset(course_slug: str, actor_id: int | None) -> bool:
    """Go back to the default template; False if the course had none of its own."""
    row = stored(course_slug)
    if row is None:
        return False
    db.session.delete(row)
    db.session.flush()
    audit.record("certificates.template.reset", subject_type="course", subject_id=course_slug,
                 actor_id=actor_id)
    return True

"""Each item's ``source_hash``: the hash of its file as an export writes it.

A translation records the hash of the original file it was made from (its
``source``); it is out of date when that is no longer the original's hash.
Pages in another language compare the two on every request, so the
original's hash is kept in :attr:`Item.source_hash <courses.models.Item.source_hash>`
rather than written and hashed each time (the file of a quiz takes its
questions and options to write).

One session listener keeps it: before every flush, each new or changed item,
and the item of each new, changed or deleted question or option, gets the
hash of the file it would export as now. So every way of writing content
(import, authoring, revisions, enacted decisions, the CLI) keeps it without
doing anything; nothing writes items, questions or options around the ORM.
"""

from __future__ import annotations

from collections.abc import Container

from sqlalchemy import event
from sqlalchemy.orm import Session

from .content_format import ItemSource, OptionSource, QuestionSource, item_hash, source_entries
from .models import KIND_ASSIGNMENT, KIND_LESSON, Item, Option, Question


def _by_position(rows):
    # The order the rows have once stored and read back (``order_by`` position):
    # moving a question renumbers positions without reordering the loaded list.
    return sorted(rows, key=lambda row: row.position or 0)


def item_source(item: Item, leaving: Container = ()) -> ItemSource:
    """``item`` as content-format data (what an export writes for it).

    :param leaving: questions and options being deleted, left out.
    """
    if item.kind == KIND_ASSIGNMENT:
        return ItemSource(
            key=item.key,
            kind=item.kind,
            title=item.title,
            required=item.required,
            body=item.body_md,
            estimated_minutes=item.estimated_minutes,
            assignment=item.assignment,
        )
    if item.kind == KIND_LESSON:
        return ItemSource(
            key=item.key,
            kind=item.kind,
            title=item.title,
            required=item.required,
            body=item.body_md,
            estimated_minutes=item.estimated_minutes,
            sources=source_entries(item.sources),
            reviewed=item.reviewed_on,
            review_every=item.review_every_months,
        )
    return ItemSource(
        key=item.key,
        kind=item.kind,
        title=item.title,
        required=item.required,
        pass_mark=item.pass_mark,
        max_attempts=item.max_attempts,
        questions=[
            QuestionSource(
                key=question.key,
                type=question.type,
                prompt=question.prompt,
                explanation=question.explanation,
                options=[
                    OptionSource(o.key, o.text, o.correct, o.feedback)
                    for o in _by_position(question.options) if o not in leaving
                ],
                accepted=list(question.accepted or ()),
            )
            for question in _by_position(item.questions) if question not in leaving
        ],
    )


def _item_of(session: Session, row: Question | Option) -> Item | None:
    """The item a question or option belongs to (``None`` once it belongs to none)."""
    question = row if isinstance(row, Question) else row.question
    if question is None and isinstance(row, Option) and row.question_id is not None:
        question = session.get(Question, row.question_id)
    if question is None:
        return None
    # A question added by its ``item_id`` alone has no ``item`` until it is loaded.
    if question.item is None and question.item_id is not None:
        return session.get(Item, question.item_id)
    return question.item


@event.listens_for(Session, "before_flush")
def _hash_changed_items(session: Session, flush_context, instances) -> None:
    items: dict[int, Item] = {}
    for row in (*session.new, *session.dirty, *session.deleted):
        if isinstance(row, Item):
            items[id(row)] = row
        elif isinstance(row, Question | Option):
            item = _item_of(session, row)
            if item is not None:
                items[id(item)] = item
    deleted = session.deleted
    for item in items.values():
        if item in deleted:
            continue
        value = item_hash(item_source(item, deleted))
        # Assign only a new value: an unchanged item stays unchanged (no UPDATE).
        if item.source_hash != value:
            item.source_hash = value

"""each item's source hash, kept with the item

Revision ID: courses_0220
Revises: courses_0200
Create Date: 2026-12-07 04:00:00.000000

Pages in another language compared a translation's ``source`` with the hash
of the original's file, written and hashed on every request; the column keeps
that hash (``courses.item_hashes`` keeps it current from now on). Existing
rows are filled here, in batches, from the same file writers.
"""
from alembic import op
import sqlalchemy as sa

from courses.content_format import ItemSource, OptionSource, QuestionSource, item_hash, source_entries


# revision identifiers, used by Alembic.
revision = 'courses_0220'
down_revision = 'courses_0200'
branch_labels = None
depends_on = None

BATCH = 500

# The tables as this revision knows them (not the models, which move on).
item = sa.table(
    'courses_item',
    sa.column('id', sa.Integer), sa.column('key', sa.String), sa.column('kind', sa.String),
    sa.column('title', sa.String), sa.column('required', sa.Boolean),
    sa.column('body_md', sa.Text), sa.column('estimated_minutes', sa.Integer),
    sa.column('sources', sa.JSON), sa.column('reviewed_on', sa.Date),
    sa.column('review_every_months', sa.Integer), sa.column('assignment', sa.JSON),
    sa.column('pass_mark', sa.Integer), sa.column('max_attempts', sa.Integer),
    sa.column('source_hash', sa.String),
)
question = sa.table(
    'courses_question',
    sa.column('id', sa.Integer), sa.column('item_id', sa.Integer), sa.column('key', sa.String),
    sa.column('type', sa.String), sa.column('prompt', sa.Text),
    sa.column('explanation', sa.Text), sa.column('accepted', sa.JSON),
    sa.column('position', sa.Integer),
)
option = sa.table(
    'courses_option',
    sa.column('id', sa.Integer), sa.column('question_id', sa.Integer), sa.column('key', sa.String),
    sa.column('text', sa.Text), sa.column('correct', sa.Boolean),
    sa.column('feedback', sa.Text), sa.column('position', sa.Integer),
)


def _questions(bind, item_ids):
    """Item id -> its questions (``QuestionSource``, options included), in order."""
    rows = bind.execute(
        sa.select(question).where(question.c.item_id.in_(item_ids))
        .order_by(question.c.item_id, question.c.position, question.c.id)
    ).all()
    options = {}
    if rows:
        for o in bind.execute(
            sa.select(option).where(option.c.question_id.in_([q.id for q in rows]))
            .order_by(option.c.question_id, option.c.position, option.c.id)
        ):
            options.setdefault(o.question_id, []).append(
                OptionSource(o.key, o.text, o.correct, o.feedback))
    found = {}
    for q in rows:
        found.setdefault(q.item_id, []).append(QuestionSource(
            q.key, q.type, q.prompt, q.explanation, options.get(q.id, []), list(q.accepted or ())))
    return found


def _source(row, questions) -> ItemSource:
    """The item as content-format data, as ``courses.item_hashes.item_source`` makes it."""
    common = dict(key=row.key, kind=row.kind, title=row.title, required=row.required)
    if row.kind == 'assignment':
        return ItemSource(**common, body=row.body_md, estimated_minutes=row.estimated_minutes,
                          assignment=row.assignment)
    if row.kind == 'lesson':
        return ItemSource(**common, body=row.body_md, estimated_minutes=row.estimated_minutes,
                          sources=source_entries(row.sources), reviewed=row.reviewed_on,
                          review_every=row.review_every_months)
    return ItemSource(**common, pass_mark=row.pass_mark, max_attempts=row.max_attempts,
                      questions=questions.get(row.id, []))


def upgrade():
    # Added with a constant default, so SQLite adds it in place: rebuilding courses_item
    # with foreign keys on would cascade its deletion to progress, attempts and the rest.
    op.add_column('courses_item', sa.Column('source_hash', sa.String(length=12), server_default='', nullable=False))
    bind = op.get_bind()
    fill = (
        sa.update(item).where(item.c.id == sa.bindparam('item_id'))
        .values(source_hash=sa.bindparam('hash'))
    )
    last = 0
    while True:
        rows = bind.execute(
            sa.select(item).where(item.c.id > last).order_by(item.c.id).limit(BATCH)
        ).all()
        if not rows:
            break
        questions = _questions(bind, [r.id for r in rows if r.kind == 'quiz'])
        bind.execute(fill, [
            {'item_id': r.id, 'hash': item_hash(_source(r, questions))} for r in rows
        ])
        last = rows[-1].id


def downgrade():
    # Dropped in place (SQLite 3.35+), for the same reason it was added in place.
    op.drop_column('courses_item', 'source_hash')

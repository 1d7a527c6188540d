"""the catalogue's courses by status, title and id

Revision ID: courses_0250
Revises: courses_0240
Create Date: 2026-12-08 02:20:00

The catalogue, as a page and through the API, lists published courses by title,
a page at a time after the last (title, id). An index in that order gives each
page without sorting the courses; it starts with the status, so it also serves
every lookup the index on the status alone served, which goes.
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'courses_0250'
down_revision = 'courses_0240'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('courses_course', schema=None) as batch_op:
        batch_op.create_index(
            'ix_courses_course_status_title', ['status', 'title', 'id'], unique=False
        )
        batch_op.drop_index('ix_courses_course_status')


def downgrade():
    with op.batch_alter_table('courses_course', schema=None) as batch_op:
        batch_op.create_index('ix_courses_course_status', ['status'], unique=False)
        batch_op.drop_index('ix_courses_course_status_title')

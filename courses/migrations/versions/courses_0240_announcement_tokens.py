"""announcements keep the token of the form that posted them

Revision ID: courses_0240
Revises: courses_0230
Create Date: 2026-12-07 19:40:00

A form sent twice (a double click, a resend after a slow answer) carries the
same token: the unique constraint per author and token lets the second find
the first instead of posting, and emailing every member, a second time.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'courses_0240'
down_revision = 'courses_0230'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('courses_cohort_announcement', schema=None) as batch_op:
        batch_op.add_column(sa.Column('submit_token', sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint(
            batch_op.f('uq_courses_cohort_announcement_author_id_submit_token'),
            ['author_id', 'submit_token'],
        )


def downgrade():
    with op.batch_alter_table('courses_cohort_announcement', schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f('uq_courses_cohort_announcement_author_id_submit_token'), type_='unique'
        )
        batch_op.drop_column('submit_token')

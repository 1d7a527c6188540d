"""cohort figures version, moved by triggers when a member's figures change

Revision ID: courses_0230
Revises: courses_0220
Create Date: 2026-12-07 04:15:00.000000

"""
from alembic import op
import sqlalchemy as sa

from courses.cohorts.figures import create_statements, drop_statements


# revision identifiers, used by Alembic.
revision = 'courses_0230'
down_revision = 'courses_0220'
branch_labels = None
depends_on = None


def upgrade():
    # A plain ALTER, never a batch: Alembic rebuilds a SQLite table for a default given
    # as an expression, and dropping the old courses_cohort with foreign keys on would
    # delete every group's members and tutors (ON DELETE CASCADE).
    op.add_column('courses_cohort', sa.Column('figures_version', sa.Integer(), nullable=False,
                                              server_default='0'))
    for statement in create_statements(op.get_bind().dialect.name):
        op.execute(statement)


def downgrade():
    for statement in drop_statements(op.get_bind().dialect.name):
        op.execute(statement)
    # ALTER TABLE ... DROP COLUMN in place (SQLite 3.35 and later), for the same reason.
    op.drop_column('courses_cohort', 'figures_version')

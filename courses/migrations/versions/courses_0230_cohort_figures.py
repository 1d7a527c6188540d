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
    with op.batch_alter_table('courses_cohort', schema=None) as batch_op:
        batch_op.add_column(sa.Column('figures_version', sa.Integer(), nullable=False,
                                      server_default=sa.text('0')))
    for statement in create_statements(op.get_bind().dialect.name):
        op.execute(statement)


def downgrade():
    for statement in drop_statements(op.get_bind().dialect.name):
        op.execute(statement)
    with op.batch_alter_table('courses_cohort', schema=None) as batch_op:
        batch_op.drop_column('figures_version')


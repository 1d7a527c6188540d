"""lesson sources and review dates

Revision ID: courses_0030
Revises: courses_0003
Create Date: 2026-12-07 09:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'courses_0030'
down_revision = 'courses_0003'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('courses_item', schema=None) as batch_op:
        # Existing lessons have no sources yet: the default fills their rows.
        batch_op.add_column(sa.Column('sources', sa.JSON(), nullable=False, server_default=sa.text("'[]'")))
        batch_op.add_column(sa.Column('reviewed_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('review_every_months', sa.Integer(), nullable=True))
        batch_op.create_check_constraint(
            'review_every_positive', 'review_every_months IS NULL OR review_every_months >= 1'
        )


def downgrade():
    with op.batch_alter_table('courses_item', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_courses_item_review_every_positive'), type_='check')
        batch_op.drop_column('review_every_months')
        batch_op.drop_column('reviewed_on')
        batch_op.drop_column('sources')

"""governance: a former member's name kept on the register after their account is erased

Revision ID: governance_0160
Revises: governance_0001
Create Date: 2026-12-06 18:10:00
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'governance_0160'
down_revision = 'governance_0001'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('governance_membership', schema=None) as batch_op:
        batch_op.add_column(sa.Column('former_name', sa.String(length=120), nullable=True))


def downgrade():
    with op.batch_alter_table('governance_membership', schema=None) as batch_op:
        batch_op.drop_column('former_name')

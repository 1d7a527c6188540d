"""ballots opened or closed early keep the secretary's reason

Revision ID: governance_0140
Revises: governance_0160
Create Date: 2026-12-06 18:15:00

Where the rulebook allows it, the secretary may open a seconded proposal's
ballot before its notice period ends, or close a ballot once every member on
its roll has voted; the reason they give is kept on the ballot (and in the
audit log).
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'governance_0140'
down_revision = 'governance_0160'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('governance_ballot', schema=None) as batch_op:
        batch_op.add_column(sa.Column('opened_early_reason', sa.Text(), server_default='', nullable=False))
        batch_op.add_column(sa.Column('closed_early_reason', sa.Text(), server_default='', nullable=False))


def downgrade():
    with op.batch_alter_table('governance_ballot', schema=None) as batch_op:
        batch_op.drop_column('closed_early_reason')
        batch_op.drop_column('opened_early_reason')

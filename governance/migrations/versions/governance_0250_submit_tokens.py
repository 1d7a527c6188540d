"""proposals and comments keep the token of the form that sent them

Revision ID: governance_0250
Revises: governance_0140
Create Date: 2026-12-07 16:30:00

A form sent twice (a double click, a resend after a slow answer) carries the
same token: the unique constraint per author and token lets the second find
the first instead of storing a copy.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'governance_0250'
down_revision = 'governance_0140'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('governance_proposal', schema=None) as batch_op:
        batch_op.add_column(sa.Column('submit_token', sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint(
            batch_op.f('uq_governance_proposal_proposer_id_submit_token'),
            ['proposer_id', 'submit_token'],
        )
    with op.batch_alter_table('governance_comment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('submit_token', sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint(
            batch_op.f('uq_governance_comment_author_id_submit_token'),
            ['author_id', 'submit_token'],
        )


def downgrade():
    with op.batch_alter_table('governance_comment', schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f('uq_governance_comment_author_id_submit_token'), type_='unique'
        )
        batch_op.drop_column('submit_token')
    with op.batch_alter_table('governance_proposal', schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f('uq_governance_proposal_proposer_id_submit_token'), type_='unique'
        )
        batch_op.drop_column('submit_token')

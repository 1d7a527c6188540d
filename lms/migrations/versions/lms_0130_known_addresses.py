"""addresses each account has signed in from (keyed digests)

Revision ID: lms_0130
Revises: lms_0171
Create Date: 2026-12-06 18:40:00

The per-account login limit does not count attempts from an address that has
signed in to the account before, so guessing a password elsewhere cannot lock
its owner out.
"""
from alembic import op
import sqlalchemy as sa

import lms.db


# revision identifiers, used by Alembic.
revision = 'lms_0130'
down_revision = 'lms_0171'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'lms_known_address',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('address_digest', sa.String(length=64), nullable=False),
        sa.Column('last_dt', lms.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['lms_user.id'],
                                name=op.f('fk_lms_known_address_user_id_lms_user'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_lms_known_address')),
        sa.UniqueConstraint('user_id', 'address_digest',
                            name=op.f('uq_lms_known_address_user_id_address_digest')),
    )


def downgrade():
    op.drop_table('lms_known_address')

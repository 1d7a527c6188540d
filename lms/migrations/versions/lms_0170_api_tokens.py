"""personal access tokens for the REST API

Revision ID: lms_0170
Revises: lms_0141
Create Date: 2026-12-06 18:20:00

Tokens are stored as SHA-256 digests (unique: the lookup), with their scopes
and expiry; a check keeps the expiry after the creation.
"""
from alembic import op
import sqlalchemy as sa

import lms.db


# revision identifiers, used by Alembic.
revision = 'lms_0170'
down_revision = 'lms_0141'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'lms_api_token',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=80), nullable=False),
        sa.Column('scopes', sa.String(length=500), nullable=False),
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('prefix', sa.String(length=16), nullable=False),
        sa.Column('created_dt', lms.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column('expires_dt', lms.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column('revoked_dt', lms.db.UTCDateTime(timezone=True), nullable=True),
        sa.CheckConstraint('expires_dt > created_dt', name=op.f('ck_lms_api_token_expires_after_creation')),
        sa.CheckConstraint('length(scopes) > 0', name=op.f('ck_lms_api_token_has_scopes')),
        sa.ForeignKeyConstraint(['user_id'], ['lms_user.id'], name=op.f('fk_lms_api_token_user_id_lms_user'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_lms_api_token')),
        sa.UniqueConstraint('token_hash', name=op.f('uq_lms_api_token_token_hash')),
    )
    op.create_index('ix_lms_api_token_user_id_id', 'lms_api_token', ['user_id', 'id'], unique=False)


def downgrade():
    op.drop_index('ix_lms_api_token_user_id_id', table_name='lms_api_token')
    op.drop_table('lms_api_token')

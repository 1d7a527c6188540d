"""LTI 1.3: registered platforms, linked accounts, used nonces, launches kept for Deep Linking

Revision ID: lms_0171
Revises: lms_0110
Create Date: 2026-12-06 19:00:00
"""
from alembic import op
import sqlalchemy as sa

import lms.db


# revision identifiers, used by Alembic.
revision = 'lms_0171'
down_revision = 'lms_0110'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'lms_lti_platform',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=120), nullable=False),
        sa.Column('issuer', sa.String(length=300), nullable=False),
        sa.Column('client_id', sa.String(length=200), nullable=False),
        sa.Column('auth_login_url', sa.String(length=500), nullable=False),
        sa.Column('auth_token_url', sa.String(length=500), nullable=False),
        sa.Column('key_set_url', sa.String(length=500), nullable=False),
        sa.Column('deployment_ids', sa.String(length=1000), nullable=False),
        sa.Column('created_dt', lms.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_lms_lti_platform')),
        sa.UniqueConstraint('issuer', 'client_id', name=op.f('uq_lms_lti_platform_issuer_client_id')),
    )
    op.create_table(
        'lms_lti_account',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('platform_id', sa.Integer(), nullable=False),
        sa.Column('subject', sa.String(length=255), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('linked_dt', lms.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['platform_id'], ['lms_lti_platform.id'], name=op.f('fk_lms_lti_account_platform_id_lms_lti_platform'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['lms_user.id'], name=op.f('fk_lms_lti_account_user_id_lms_user'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_lms_lti_account')),
        sa.UniqueConstraint('platform_id', 'subject', name=op.f('uq_lms_lti_account_platform_id_subject')),
    )
    op.create_index(op.f('ix_lms_lti_account_user_id'), 'lms_lti_account', ['user_id'], unique=False)
    op.create_table(
        'lms_lti_nonce',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('nonce', sa.String(length=200), nullable=False),
        sa.Column('used_dt', lms.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_lms_lti_nonce')),
        sa.UniqueConstraint('nonce', name=op.f('uq_lms_lti_nonce_nonce')),
    )
    op.create_table(
        'lms_lti_launch',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('launch_id', sa.String(length=100), nullable=False),
        sa.Column('data', sa.JSON(), nullable=False),
        sa.Column('created_dt', lms.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_lms_lti_launch')),
        sa.UniqueConstraint('launch_id', name=op.f('uq_lms_lti_launch_launch_id')),
    )


def downgrade():
    op.drop_table('lms_lti_launch')
    op.drop_table('lms_lti_nonce')
    op.drop_index(op.f('ix_lms_lti_account_user_id'), table_name='lms_lti_account')
    op.drop_table('lms_lti_account')
    op.drop_table('lms_lti_platform')

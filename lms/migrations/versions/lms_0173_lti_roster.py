"""LTI Names and Role Provisioning: platforms' courses, their teachers here, groups linked to them

Revision ID: lms_0173
Revises: lms_0172
Create Date: 2026-12-06 21:20:00
"""
from alembic import op
import sqlalchemy as sa

import lms.db


# revision identifiers, used by Alembic.
revision = 'lms_0173'
down_revision = 'lms_0172'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'lms_lti_context',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('platform_id', sa.Integer(), nullable=False),
        sa.Column('context_id', sa.String(length=255), nullable=False),
        sa.Column('title', sa.String(length=300), nullable=False),
        sa.Column('memberships_url', sa.String(length=1000), nullable=False),
        sa.Column('updated_dt', lms.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['platform_id'], ['lms_lti_platform.id'], name=op.f('fk_lms_lti_context_platform_id_lms_lti_platform'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_lms_lti_context')),
        sa.UniqueConstraint('platform_id', 'context_id', name=op.f('uq_lms_lti_context_platform_id_context_id')),
    )
    op.create_table(
        'lms_lti_context_teacher',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('context_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['context_id'], ['lms_lti_context.id'], name=op.f('fk_lms_lti_context_teacher_context_id_lms_lti_context'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['lms_user.id'], name=op.f('fk_lms_lti_context_teacher_user_id_lms_user'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_lms_lti_context_teacher')),
        sa.UniqueConstraint('context_id', 'user_id', name=op.f('uq_lms_lti_context_teacher_context_id_user_id')),
    )
    op.create_index(op.f('ix_lms_lti_context_teacher_user_id'), 'lms_lti_context_teacher', ['user_id'], unique=False)
    op.create_table(
        'lms_lti_group_link',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('cohort_id', sa.Integer(), nullable=False),
        sa.Column('context_id', sa.Integer(), nullable=False),
        sa.Column('linked_by_id', sa.Integer(), nullable=True),
        sa.Column('linked_dt', lms.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['context_id'], ['lms_lti_context.id'], name=op.f('fk_lms_lti_group_link_context_id_lms_lti_context'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['linked_by_id'], ['lms_user.id'], name=op.f('fk_lms_lti_group_link_linked_by_id_lms_user'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_lms_lti_group_link')),
        sa.UniqueConstraint('cohort_id', name=op.f('uq_lms_lti_group_link_cohort_id')),
    )
    op.create_index(op.f('ix_lms_lti_group_link_context_id'), 'lms_lti_group_link', ['context_id'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_lms_lti_group_link_context_id'), table_name='lms_lti_group_link')
    op.drop_table('lms_lti_group_link')
    op.drop_index(op.f('ix_lms_lti_context_teacher_user_id'), table_name='lms_lti_context_teacher')
    op.drop_table('lms_lti_context_teacher')
    op.drop_table('lms_lti_context')

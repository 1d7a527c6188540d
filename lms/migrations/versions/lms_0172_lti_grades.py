"""LTI Assignment and Grade Services: where a learner's course grade goes back to

Revision ID: lms_0172
Revises: lms_0130
Create Date: 2026-12-06 19:10:00
"""
from alembic import op
import sqlalchemy as sa

import lms.db


# revision identifiers, used by Alembic.
revision = 'lms_0172'
down_revision = 'lms_0130'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'lms_lti_grade_link',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('platform_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('subject', sa.String(length=255), nullable=False),
        sa.Column('course_path', sa.String(length=300), nullable=False),
        sa.Column('ags', sa.JSON(), nullable=False),
        sa.Column('updated_dt', lms.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['platform_id'], ['lms_lti_platform.id'], name=op.f('fk_lms_lti_grade_link_platform_id_lms_lti_platform'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['lms_user.id'], name=op.f('fk_lms_lti_grade_link_user_id_lms_user'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_lms_lti_grade_link')),
        sa.UniqueConstraint('platform_id', 'user_id', 'course_path', name=op.f('uq_lms_lti_grade_link_platform_id_user_id_course_path')),
    )
    op.create_index(op.f('ix_lms_lti_grade_link_user_id'), 'lms_lti_grade_link', ['user_id'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_lms_lti_grade_link_user_id'), table_name='lms_lti_grade_link')
    op.drop_table('lms_lti_grade_link')

"""cohort invitations for existing accounts

Revision ID: courses_0190
Revises: courses_0151
Create Date: 2026-12-06 18:20:00.000000

"""
from alembic import op
import sqlalchemy as sa

import lms.db


# revision identifiers, used by Alembic.
revision = 'courses_0190'
down_revision = 'courses_0151'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('courses_cohort_invitation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('cohort_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('invited_by_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('invited_dt', lms.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_dt', lms.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('answered_dt', lms.db.UTCDateTime(timezone=True), nullable=True),
    sa.CheckConstraint("status IN ('pending', 'accepted', 'declined')", name=op.f('ck_courses_cohort_invitation_known_status')),
    sa.CheckConstraint('expires_dt > invited_dt', name=op.f('ck_courses_cohort_invitation_expires_after_invited')),
    sa.CheckConstraint("(status = 'pending') = (answered_dt IS NULL)", name=op.f('ck_courses_cohort_invitation_answered_when_not_pending')),
    sa.ForeignKeyConstraint(['cohort_id'], ['courses_cohort.id'], name=op.f('fk_courses_cohort_invitation_cohort_id_courses_cohort'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['invited_by_id'], ['lms_user.id'], name=op.f('fk_courses_cohort_invitation_invited_by_id_lms_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['lms_user.id'], name=op.f('fk_courses_cohort_invitation_user_id_lms_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_courses_cohort_invitation')),
    sa.UniqueConstraint('cohort_id', 'user_id', name=op.f('uq_courses_cohort_invitation_cohort_id_user_id'))
    )
    with op.batch_alter_table('courses_cohort_invitation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_courses_cohort_invitation_cohort_id'), ['cohort_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_courses_cohort_invitation_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('courses_cohort_invitation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_courses_cohort_invitation_user_id'))
        batch_op.drop_index(batch_op.f('ix_courses_cohort_invitation_cohort_id'))
    op.drop_table('courses_cohort_invitation')

"""discussions: threads, posts, followers, reports

Revision ID: courses_0151
Revises: courses_0030
Create Date: 2026-12-06 18:20:00.000000

"""
from alembic import op
import sqlalchemy as sa

from lms.db import UTCDateTime


# revision identifiers, used by Alembic.
revision = 'courses_0151'
down_revision = 'courses_0030'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'courses_discussion_thread',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('course_id', sa.Integer(), nullable=False),
        sa.Column('cohort_id', sa.Integer(), nullable=True),
        sa.Column('item_id', sa.Integer(), nullable=True),
        sa.Column('author_id', sa.Integer(), nullable=True),
        sa.Column('title', sa.String(length=200), nullable=False),
        sa.Column('created_dt', UTCDateTime(timezone=True), nullable=False),
        sa.Column('last_post_dt', UTCDateTime(timezone=True), nullable=False),
        sa.Column('post_count', sa.Integer(), nullable=False),
        sa.Column('is_locked', sa.Boolean(), nullable=False),
        sa.Column('is_pinned', sa.Boolean(), nullable=False),
        sa.CheckConstraint('post_count >= 0', name=op.f('ck_courses_discussion_thread_post_count_not_negative')),
        sa.CheckConstraint('length(title) > 0', name=op.f('ck_courses_discussion_thread_title_not_empty')),
        sa.ForeignKeyConstraint(['author_id'], ['lms_user.id'], name=op.f('fk_courses_discussion_thread_author_id_lms_user'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['cohort_id'], ['courses_cohort.id'], name=op.f('fk_courses_discussion_thread_cohort_id_courses_cohort'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['course_id'], ['courses_course.id'], name=op.f('fk_courses_discussion_thread_course_id_courses_course'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['item_id'], ['courses_item.id'], name=op.f('fk_courses_discussion_thread_item_id_courses_item'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_courses_discussion_thread')),
    )
    with op.batch_alter_table('courses_discussion_thread', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_courses_discussion_thread_cohort_id'), ['cohort_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_courses_discussion_thread_course_id'), ['course_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_courses_discussion_thread_item_id'), ['item_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_courses_discussion_thread_last_post_dt'), ['last_post_dt'], unique=False)

    op.create_table(
        'courses_discussion_post',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('thread_id', sa.Integer(), nullable=False),
        sa.Column('number', sa.Integer(), nullable=False),
        sa.Column('author_id', sa.Integer(), nullable=True),
        sa.Column('submit_token', sa.String(length=64), nullable=True),
        sa.Column('body_md', sa.Text(), nullable=False),
        sa.Column('body_html', sa.Text(), nullable=False),
        sa.Column('created_dt', UTCDateTime(timezone=True), nullable=False),
        sa.Column('edited_dt', UTCDateTime(timezone=True), nullable=True),
        sa.Column('deleted_dt', UTCDateTime(timezone=True), nullable=True),
        sa.Column('hidden_dt', UTCDateTime(timezone=True), nullable=True),
        sa.Column('hidden_reason', sa.String(length=500), nullable=True),
        sa.Column('hidden_by_id', sa.Integer(), nullable=True),
        sa.CheckConstraint('(hidden_dt IS NULL) = (hidden_reason IS NULL)', name=op.f('ck_courses_discussion_post_hidden_has_reason')),
        sa.CheckConstraint('number >= 1', name=op.f('ck_courses_discussion_post_number_positive')),
        sa.ForeignKeyConstraint(['author_id'], ['lms_user.id'], name=op.f('fk_courses_discussion_post_author_id_lms_user'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['hidden_by_id'], ['lms_user.id'], name=op.f('fk_courses_discussion_post_hidden_by_id_lms_user'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['thread_id'], ['courses_discussion_thread.id'], name=op.f('fk_courses_discussion_post_thread_id_courses_discussion_thread'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_courses_discussion_post')),
        sa.UniqueConstraint('author_id', 'submit_token', name=op.f('uq_courses_discussion_post_author_id_submit_token')),
        sa.UniqueConstraint('thread_id', 'number', name=op.f('uq_courses_discussion_post_thread_id_number')),
    )
    with op.batch_alter_table('courses_discussion_post', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_courses_discussion_post_author_id'), ['author_id'], unique=False)

    op.create_table(
        'courses_discussion_follow',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('thread_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['thread_id'], ['courses_discussion_thread.id'], name=op.f('fk_courses_discussion_follow_thread_id_courses_discussion_thread'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['lms_user.id'], name=op.f('fk_courses_discussion_follow_user_id_lms_user'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_courses_discussion_follow')),
        sa.UniqueConstraint('thread_id', 'user_id', name=op.f('uq_courses_discussion_follow_thread_id_user_id')),
    )
    with op.batch_alter_table('courses_discussion_follow', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_courses_discussion_follow_user_id'), ['user_id'], unique=False)

    op.create_table(
        'courses_discussion_report',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('post_id', sa.Integer(), nullable=False),
        sa.Column('reporter_id', sa.Integer(), nullable=False),
        sa.Column('reason', sa.String(length=500), nullable=False),
        sa.Column('created_dt', UTCDateTime(timezone=True), nullable=False),
        sa.Column('resolved_dt', UTCDateTime(timezone=True), nullable=True),
        sa.Column('resolved_by_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['post_id'], ['courses_discussion_post.id'], name=op.f('fk_courses_discussion_report_post_id_courses_discussion_post'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['reporter_id'], ['lms_user.id'], name=op.f('fk_courses_discussion_report_reporter_id_lms_user'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['resolved_by_id'], ['lms_user.id'], name=op.f('fk_courses_discussion_report_resolved_by_id_lms_user'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_courses_discussion_report')),
        sa.UniqueConstraint('post_id', 'reporter_id', name=op.f('uq_courses_discussion_report_post_id_reporter_id')),
    )
    with op.batch_alter_table('courses_discussion_report', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_courses_discussion_report_created_dt'), ['created_dt'], unique=False)
        batch_op.create_index(batch_op.f('ix_courses_discussion_report_post_id'), ['post_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_courses_discussion_report_reporter_id'), ['reporter_id'], unique=False)


def downgrade():
    op.drop_table('courses_discussion_report')
    op.drop_table('courses_discussion_follow')
    op.drop_table('courses_discussion_post')
    op.drop_table('courses_discussion_thread')

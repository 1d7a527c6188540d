"""job queue and mail outbox

Revision ID: lms_0020
Revises: lms_0002
Create Date: 2026-12-06 15:40:00

``lms_job``: the durable record of background jobs (``lms.jobs``). The
outbox becomes a transactional outbox: every message is written there, with
its delivery status (existing rows were kept locally: ``kept``).
"""
from alembic import op
import sqlalchemy as sa

import lms.db


# revision identifiers, used by Alembic.
revision = 'lms_0020'
down_revision = 'lms_0002'
branch_labels = None
depends_on = None

_ACTIVE = sa.text("state IN ('queued', 'running')")
_OPEN = sa.text("state <> 'done'")
_QUEUED_MAIL = sa.text("status = 'queued'")


def upgrade():
    op.create_table('lms_job',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('args', sa.JSON(), nullable=False),
    sa.Column('key', sa.String(length=200), nullable=True),
    sa.Column('state', sa.String(length=10), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('max_attempts', sa.Integer(), nullable=False),
    sa.Column('created_dt', lms.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('run_after_dt', lms.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('lease_until_dt', lms.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('finished_dt', lms.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('progress_done', sa.Integer(), nullable=False),
    sa.Column('progress_total', sa.Integer(), nullable=True),
    sa.Column('message', sa.Text(), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.CheckConstraint("state IN ('queued', 'running', 'done', 'failed')", name=op.f('ck_lms_job_state')),
    sa.CheckConstraint('attempts >= 0 AND max_attempts >= 1', name=op.f('ck_lms_job_attempts')),
    sa.ForeignKeyConstraint(['created_by_id'], ['lms_user.id'], name=op.f('fk_lms_job_created_by_id_lms_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lms_job'))
    )
    with op.batch_alter_table('lms_job', schema=None) as batch_op:
        batch_op.create_index('uq_lms_job_active_key', ['key'], unique=True,
                              sqlite_where=_ACTIVE, postgresql_where=_ACTIVE)
        batch_op.create_index('ix_lms_job_open', ['state', 'run_after_dt'], unique=False,
                              sqlite_where=_OPEN, postgresql_where=_OPEN)
        batch_op.create_index('ix_lms_job_finished_dt', ['finished_dt'], unique=False)

    with op.batch_alter_table('lms_outbox_message', schema=None) as batch_op:
        batch_op.add_column(sa.Column('status', sa.String(length=10), server_default='kept', nullable=False))
        batch_op.add_column(sa.Column('attempts', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('sent_dt', lms.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('last_error', sa.Text(), nullable=True))
        batch_op.create_check_constraint(op.f('ck_lms_outbox_message_status'),
                                         "status IN ('kept', 'queued', 'sent', 'failed')")
        batch_op.create_index('ix_lms_outbox_message_queued', ['id'], unique=False,
                              sqlite_where=_QUEUED_MAIL, postgresql_where=_QUEUED_MAIL)


def downgrade():
    with op.batch_alter_table('lms_outbox_message', schema=None) as batch_op:
        batch_op.drop_index('ix_lms_outbox_message_queued')
        batch_op.drop_constraint(op.f('ck_lms_outbox_message_status'), type_='check')
        batch_op.drop_column('last_error')
        batch_op.drop_column('sent_dt')
        batch_op.drop_column('attempts')
        batch_op.drop_column('status')
    with op.batch_alter_table('lms_job', schema=None) as batch_op:
        batch_op.drop_index('ix_lms_job_finished_dt')
        batch_op.drop_index('ix_lms_job_open')
        batch_op.drop_index('uq_lms_job_active_key')
    op.drop_table('lms_job')

"""personal data: requests (exports, closures) and the audit log's erasable personal details

Revision ID: lms_0160
Revises: lms_0140
Create Date: 2026-12-06 18:10:00

``lms_data_request`` holds export and closure requests (one closure in its
grace period per person). ``lms_audit_event`` gains ``personal`` (outside the
hash, emptied by erasure) and ``personal_digest`` (hashed with the entry).
"""
from alembic import op
import sqlalchemy as sa

import lms.db


# revision identifiers, used by Alembic.
revision = 'lms_0160'
down_revision = 'lms_0140'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('lms_audit_event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('personal', sa.JSON(none_as_null=True), nullable=True))
        batch_op.add_column(sa.Column('personal_digest', sa.String(length=64), nullable=True))
    op.create_table(
        'lms_data_request',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=10), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('requested_by_id', sa.Integer(), nullable=True),
        sa.Column('channel', sa.String(length=10), nullable=False),
        sa.Column('note', sa.Text(), nullable=False),
        sa.Column('state', sa.String(length=10), nullable=False),
        sa.Column('created_dt', lms.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column('due_dt', lms.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column('finished_dt', lms.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column('revoke_certificates', sa.Boolean(), nullable=False),
        sa.Column('job_id', sa.Integer(), nullable=True),
        sa.Column('token_hash', sa.String(length=64), nullable=True),
        sa.Column('archive', sa.LargeBinary(), nullable=True),
        sa.Column('archive_size', sa.Integer(), nullable=True),
        sa.CheckConstraint("kind IN ('export', 'closure')", name=op.f('ck_lms_data_request_kind')),
        sa.CheckConstraint(
            "state IN ('pending', 'ready', 'done', 'cancelled', 'expired')",
            name=op.f('ck_lms_data_request_state'),
        ),
        sa.CheckConstraint(
            "channel IN ('site', 'post', 'email', 'in_person')",
            name=op.f('ck_lms_data_request_channel'),
        ),
        sa.ForeignKeyConstraint(['requested_by_id'], ['lms_user.id'],
                                name=op.f('fk_lms_data_request_requested_by_id_lms_user'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['user_id'], ['lms_user.id'],
                                name=op.f('fk_lms_data_request_user_id_lms_user'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_lms_data_request')),
        sa.UniqueConstraint('token_hash', name=op.f('uq_lms_data_request_token_hash')),
    )
    with op.batch_alter_table('lms_data_request', schema=None) as batch_op:
        batch_op.create_index('ix_lms_data_request_kind_state_due', ['kind', 'state', 'due_dt'],
                              unique=False)
        batch_op.create_index(batch_op.f('ix_lms_data_request_user_id'), ['user_id'],
                              unique=False)
        batch_op.create_index(
            'uq_lms_data_request_pending_closure', ['user_id'], unique=True,
            sqlite_where=sa.text("kind = 'closure' AND state = 'pending'"),
            postgresql_where=sa.text("kind = 'closure' AND state = 'pending'"),
        )


def downgrade():
    op.drop_table('lms_data_request')
    with op.batch_alter_table('lms_audit_event', schema=None) as batch_op:
        batch_op.drop_column('personal_digest')
        batch_op.drop_column('personal')

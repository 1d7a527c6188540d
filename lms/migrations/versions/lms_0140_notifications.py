"""notifications: notices, each person's choices, extra mail headers

Revision ID: lms_0140
Revises: lms_0021
Create Date: 2026-12-06 18:10:00

``lms_notification`` holds one row per notice a person received (the bell
counts their unread ones from a partial index; the daily digest reads its
work from another), ``lms_notification_preference`` each person's choice per
kind. Outbox messages gain ``headers`` (a notification's List-Unsubscribe).
"""
from alembic import op
import sqlalchemy as sa

import lms.db


# revision identifiers, used by Alembic.
revision = 'lms_0140'
down_revision = 'lms_0021'
branch_labels = None
depends_on = None

_UNREAD = sa.text("read_dt IS NULL")
_DIGEST = sa.text("email_state = 'digest'")


def upgrade():
    op.create_table('lms_notification',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=100), nullable=False),
    sa.Column('subject', sa.String(length=300), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('link', sa.String(length=500), nullable=False),
    sa.Column('dedupe_key', sa.String(length=200), nullable=True),
    sa.Column('created_dt', lms.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('read_dt', lms.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('email_state', sa.String(length=10), nullable=True),
    sa.CheckConstraint("email_state IN ('digest', 'sent')", name=op.f('ck_lms_notification_email_state')),
    sa.ForeignKeyConstraint(['user_id'], ['lms_user.id'], name=op.f('fk_lms_notification_user_id_lms_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lms_notification')),
    sa.UniqueConstraint('user_id', 'dedupe_key', name='uq_lms_notification_user_id_dedupe_key')
    )
    with op.batch_alter_table('lms_notification', schema=None) as batch_op:
        batch_op.create_index('ix_lms_notification_user_id_id', ['user_id', 'id'], unique=False)
        batch_op.create_index('ix_lms_notification_unread', ['user_id'], unique=False,
                              sqlite_where=_UNREAD, postgresql_where=_UNREAD)
        batch_op.create_index('ix_lms_notification_digest', ['user_id', 'id'], unique=False,
                              sqlite_where=_DIGEST, postgresql_where=_DIGEST)

    op.create_table('lms_notification_preference',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=100), nullable=False),
    sa.Column('delivery', sa.String(length=10), nullable=False),
    sa.Column('changed_dt', lms.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("delivery IN ('off', 'site', 'email', 'digest')", name=op.f('ck_lms_notification_preference_delivery')),
    sa.ForeignKeyConstraint(['user_id'], ['lms_user.id'], name=op.f('fk_lms_notification_preference_user_id_lms_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lms_notification_preference')),
    sa.UniqueConstraint('user_id', 'kind', name='uq_lms_notification_preference_user_id_kind')
    )
    with op.batch_alter_table('lms_notification_preference', schema=None) as batch_op:
        batch_op.create_index('ix_lms_notification_preference_kind', ['kind'], unique=False)

    with op.batch_alter_table('lms_outbox_message', schema=None) as batch_op:
        batch_op.add_column(sa.Column('headers', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('lms_outbox_message', schema=None) as batch_op:
        batch_op.drop_column('headers')
    op.drop_table('lms_notification_preference')
    op.drop_table('lms_notification')

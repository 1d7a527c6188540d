"""indexes for long lists: users by name, by role, trigram search

Revision ID: lms_0021
Revises: lms_0020
Create Date: 2026-12-06 16:40:00

The admin user list pages by keyset on (display_name, id) and filters by
role; on PostgreSQL its search (ILIKE '%...%') uses trigram indexes
(pg_trgm). The audit log's subject-type filter reads a short list of known
types instead of the whole log.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'lms_0021'
down_revision = 'lms_0020'
branch_labels = None
depends_on = None


def upgrade():
    postgres = op.get_bind().dialect.name == 'postgresql'
    if postgres:
        op.execute('CREATE EXTENSION IF NOT EXISTS pg_trgm')
    with op.batch_alter_table('lms_user', schema=None) as batch_op:
        batch_op.create_index('ix_lms_user_display_name_id', ['display_name', 'id'], unique=False)
    if postgres:
        # The operator class where the extension lives (it may be off the search path,
        # when the database already had pg_trgm in another schema).
        schema = op.get_bind().scalar(sa.text(
            "SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace"
            " WHERE e.extname = 'pg_trgm'"
        ))
        for column in ('display_name', 'email'):
            op.execute(
                f'CREATE INDEX ix_lms_user_{column}_trgm ON lms_user'
                f' USING gin ({column} "{schema}".gin_trgm_ops)'
            )
    with op.batch_alter_table('lms_user_role', schema=None) as batch_op:
        batch_op.create_index('ix_lms_user_role_role_user_id', ['role', 'user_id'], unique=False)
    with op.batch_alter_table('lms_audit_event', schema=None) as batch_op:
        batch_op.create_index('ix_lms_audit_event_subject_type_id', ['subject_type', 'id'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('lms_audit_event', schema=None) as batch_op:
        batch_op.drop_index('ix_lms_audit_event_subject_type_id')
    with op.batch_alter_table('lms_user_role', schema=None) as batch_op:
        batch_op.drop_index('ix_lms_user_role_role_user_id')
    if op.get_bind().dialect.name == 'postgresql':
        op.drop_index('ix_lms_user_email_trgm', table_name='lms_user')
        op.drop_index('ix_lms_user_display_name_trgm', table_name='lms_user')
    with op.batch_alter_table('lms_user', schema=None) as batch_op:
        batch_op.drop_index('ix_lms_user_display_name_id')

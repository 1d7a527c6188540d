"""audit entries sealed after commit

Revision ID: lms_0002
Revises: lms_0001
Create Date: 2026-11-26 08:50:00

Entries may be appended unsealed (no ``seq`` and hashes yet) and sealed
right after their transaction commits; see ``lms.audit``.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'lms_0002'
down_revision = 'lms_0001'
branch_labels = None
depends_on = None

_SEALED_WHOLE = (
    "(seq IS NULL AND prev_hash IS NULL AND hash IS NULL)"
    " OR (seq IS NOT NULL AND prev_hash IS NOT NULL AND hash IS NOT NULL)"
)


def upgrade():
    with op.batch_alter_table('lms_audit_event', schema=None) as batch_op:
        batch_op.alter_column('seq', existing_type=sa.Integer(), nullable=True)
        batch_op.alter_column('prev_hash', existing_type=sa.String(length=64), nullable=True)
        batch_op.alter_column('hash', existing_type=sa.String(length=64), nullable=True)
        batch_op.create_check_constraint(op.f('ck_lms_audit_event_sealed_whole'), _SEALED_WHOLE)
        batch_op.create_index(
            'ix_lms_audit_event_pending', ['id'], unique=False,
            postgresql_where=sa.text('seq IS NULL'), sqlite_where=sa.text('seq IS NULL'),
        )


def downgrade():
    # Seal what is pending first (``flask lms audit verify``): sealed entries
    # fit the old columns.
    with op.batch_alter_table('lms_audit_event', schema=None) as batch_op:
        batch_op.drop_index('ix_lms_audit_event_pending')
        batch_op.drop_constraint(op.f('ck_lms_audit_event_sealed_whole'), type_='check')
        batch_op.alter_column('hash', existing_type=sa.String(length=64), nullable=False)
        batch_op.alter_column('prev_hash', existing_type=sa.String(length=64), nullable=False)
        batch_op.alter_column('seq', existing_type=sa.Integer(), nullable=False)

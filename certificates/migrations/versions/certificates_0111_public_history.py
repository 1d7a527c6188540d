"""certificates: public history of amendments

Revision ID: certificates_0111
Revises: certificates_0002
Create Date: 2026-12-06 18:00:00

The verification page shows a certificate's public history: reissued on
(the certificate it replaces, found by ``replaced_by_id``, now a unique index:
a reissue replaces one certificate),
replaced by, revoked on, and when its PDF was last re-rendered
(``rerendered_dt``; unknown, so empty, for re-renders before this revision).
"""
from alembic import op
import sqlalchemy as sa

import lms.db


# revision identifiers, used by Alembic.
revision = 'certificates_0111'
down_revision = 'certificates_0002'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('certificates_certificate', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('rerendered_dt', lms.db.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.create_index(
            batch_op.f('ix_certificates_certificate_replaced_by_id'), ['replaced_by_id'],
            unique=True,
        )


def downgrade():
    with op.batch_alter_table('certificates_certificate', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_certificates_certificate_replaced_by_id'))
        batch_op.drop_column('rerendered_dt')

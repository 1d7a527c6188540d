"""certificates: each certificate's language

Revision ID: certificates_0112
Revises: certificates_0111
Create Date: 2026-12-06 22:00:00

A certificate's page and the mail about it are written in its language: the
learner's at issue, kept so that a re-render says the same. Certificates
issued before this revision have none (NULL): they were written in the
site's first language, and stay so.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'certificates_0112'
down_revision = 'certificates_0111'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('certificates_certificate', schema=None) as batch_op:
        batch_op.add_column(sa.Column('language', sa.String(length=16), nullable=True))


def downgrade():
    with op.batch_alter_table('certificates_certificate', schema=None) as batch_op:
        batch_op.drop_column('language')

"""each person's time zone

Revision ID: lms_0141
Revises: lms_0160
Create Date: 2026-12-06 18:10:00

``lms_user.time_zone``: an IANA name chosen on the profile page; empty means
the site's (``LMS_TIME_ZONE``). Times on pages and in notices (when a vote
closes) are shown in it.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'lms_0141'
down_revision = 'lms_0160'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('lms_user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('time_zone', sa.String(length=64), nullable=True))


def downgrade():
    with op.batch_alter_table('lms_user', schema=None) as batch_op:
        batch_op.drop_column('time_zone')

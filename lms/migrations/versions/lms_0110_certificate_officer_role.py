"""the certificate officer role

Revision ID: lms_0110
Revises: lms_0170
Create Date: 2026-12-06 18:00:00

Certificates are amended (corrected, re-rendered, revoked, in bulk) by the
Centre's certificate officers and admins, no longer by tutors: the role
table's check accepts the new role ``certificate_officer``.
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'lms_0110'
down_revision = 'lms_0170'
branch_labels = None
depends_on = None

_NAME = 'ck_lms_user_role_known_role'


def upgrade():
    with op.batch_alter_table('lms_user_role', schema=None) as batch_op:
        batch_op.drop_constraint(op.f(_NAME), type_='check')
        batch_op.create_check_constraint(
            op.f(_NAME), "role IN ('learner', 'tutor', 'admin', 'certificate_officer')"
        )


def downgrade():
    op.execute("DELETE FROM lms_user_role WHERE role = 'certificate_officer'")
    with op.batch_alter_table('lms_user_role', schema=None) as batch_op:
        batch_op.drop_constraint(op.f(_NAME), type_='check')
        batch_op.create_check_constraint(op.f(_NAME), "role IN ('learner', 'tutor', 'admin')")

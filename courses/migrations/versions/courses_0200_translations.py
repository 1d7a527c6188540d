"""course translations: one row per language and translated file

Revision ID: courses_0200
Revises: courses_0120
Create Date: 2026-12-06 21:10:00.000000

"""
from alembic import op
import sqlalchemy as sa

from lms.db import UTCDateTime


# revision identifiers, used by Alembic.
revision = 'courses_0200'
down_revision = 'courses_0120'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'courses_translation',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('course_id', sa.Integer(), nullable=False),
        sa.Column('item_id', sa.Integer(), nullable=True),
        sa.Column('language', sa.String(length=16), nullable=False),
        sa.Column('source', sa.String(length=12), nullable=False),
        sa.Column('title', sa.String(length=200), nullable=False),
        sa.Column('body_md', sa.Text(), nullable=False),
        sa.Column('body_html', sa.Text(), nullable=False),
        sa.Column('data', sa.JSON(), nullable=False),
        sa.Column('updated_dt', UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint('length(language) > 0', name=op.f('ck_courses_translation_language_not_empty')),
        sa.CheckConstraint('length(source) = 12', name=op.f('ck_courses_translation_source_is_a_hash')),
        sa.ForeignKeyConstraint(['course_id'], ['courses_course.id'], name=op.f('fk_courses_translation_course_id_courses_course'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['item_id'], ['courses_item.id'], name=op.f('fk_courses_translation_item_id_courses_item'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_courses_translation')),
        sa.UniqueConstraint('item_id', 'language', name=op.f('uq_courses_translation_item_id_language')),
    )
    with op.batch_alter_table('courses_translation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_courses_translation_course_id'), ['course_id'], unique=False)
        batch_op.create_index(
            'uq_courses_translation_course_text', ['course_id', 'language'], unique=True,
            sqlite_where=sa.text('item_id IS NULL'), postgresql_where=sa.text('item_id IS NULL'),
        )


def downgrade():
    with op.batch_alter_table('courses_translation', schema=None) as batch_op:
        batch_op.drop_index('uq_courses_translation_course_text')
        batch_op.drop_index(batch_op.f('ix_courses_translation_course_id'))
    op.drop_table('courses_translation')

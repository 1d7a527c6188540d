"""account addresses in Unicode NFC

Revision ID: lms_0174
Revises: lms_0173
Create Date: 2026-12-07 23:00:00

Accounts keep their address as ``lms.accounts.emails.normalise_email`` makes it:
trimmed, lower case and, since this revision, Unicode NFC. Every look-up
normalises what was typed the same way, so an account registered with a
decomposed "ë" (kept as typed before) would no longer be found at sign-in:
its address is rewritten to NFC here. An address whose NFC form another account
already holds is left as it is (two accounts cannot be merged by a migration;
the unique constraint would refuse it) and named in the migration's output.
"""
import unicodedata

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'lms_0174'
down_revision = 'lms_0173'
branch_labels = None
depends_on = None

_user = sa.table('lms_user', sa.column('id', sa.Integer), sa.column('email', sa.String))


def upgrade():
    bind = op.get_bind()
    rows = bind.execute(sa.select(_user.c.id, _user.c.email)).all()
    taken = {email for _id, email in rows}
    for user_id, email in rows:
        # The rule of lms.accounts.emails.normalise_email, copied: a migration must keep
        # doing what it did when it was written, whatever the function becomes.
        nfc = unicodedata.normalize("NFC", email.strip().lower())
        if nfc == email:
            continue
        if nfc in taken:
            print(f"lms_0174: account {user_id} keeps its address: another account has its NFC form")
            continue
        bind.execute(sa.update(_user).where(_user.c.id == user_id).values(email=nfc))
        taken.discard(email)
        taken.add(nfc)


def downgrade():
    # Nothing to undo: the NFC form is the same address, and the form each was typed in
    # is not kept.
    pass

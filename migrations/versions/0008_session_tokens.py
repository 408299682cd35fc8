"""people: an opaque session token per person (the session cookie no longer carries a fragment
of the password hash)

Every existing person gets a random token, so every browser signed in before the upgrade is
signed out once: their cookies name the old password-hash fragment, which no longer matches.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07 14:30:00

"""
import secrets

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('people', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_token', sa.String(length=64), nullable=True))

    people = sa.table('people', sa.column('id', sa.Integer()), sa.column('session_token', sa.String()))
    connection = op.get_bind()
    for (person_id,) in connection.execute(sa.select(people.c.id)).all():
        connection.execute(
            people.update()
            .where(people.c.id == person_id)
            .values(session_token=secrets.token_urlsafe(32))
        )

    with op.batch_alter_table('people', schema=None) as batch_op:
        batch_op.alter_column('session_token', existing_type=sa.String(length=64), nullable=False)
        batch_op.create_unique_constraint(batch_op.f('uq_people_session_token'), ['session_token'])


def downgrade():
    with op.batch_alter_table('people', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_people_session_token'), type_='unique')
        batch_op.drop_column('session_token')

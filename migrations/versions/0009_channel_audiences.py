"""social: each channel says whom it addresses (audience countries) and the zone they live by

"09:00 for each audience" then means 09:00 on each channel's own audience clock, once per channel.
Existing channels address the country of the unit that owns them, on that unit's clock (a mission
in Cambodia: KH, Asia/Phnom_Penh; the ministry at home: VN, Asia/Ho_Chi_Minh).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07 14:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

OFFICE_ZONE = 'Asia/Ho_Chi_Minh'


def upgrade():
    with op.batch_alter_table('social_channels', schema=None) as batch_op:
        batch_op.add_column(sa.Column('audience_countries', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('audience_zone', sa.String(length=64), nullable=True))

    connection = op.get_bind()
    channels = sa.table(
        'social_channels',
        sa.column('id', sa.Integer),
        sa.column('owner_unit_id', sa.Integer),
        sa.column('audience_countries', sa.JSON),
        sa.column('audience_zone', sa.String),
    )
    units = sa.table(
        'units', sa.column('id', sa.Integer), sa.column('country', sa.String),
        sa.column('timezone', sa.String),
    )
    rows = connection.execute(
        sa.select(channels.c.id, units.c.country, units.c.timezone).select_from(
            channels.outerjoin(units, units.c.id == channels.c.owner_unit_id)
        )
    ).all()
    for channel_id, country, timezone in rows:
        connection.execute(
            channels.update()
            .where(channels.c.id == channel_id)
            .values(
                audience_countries=[country.upper()] if country else [],
                audience_zone=timezone or OFFICE_ZONE,
            )
        )

    with op.batch_alter_table('social_channels', schema=None) as batch_op:
        batch_op.alter_column('audience_countries', existing_type=sa.JSON(), nullable=False)
        batch_op.alter_column('audience_zone', existing_type=sa.String(length=64), nullable=False)


def downgrade():
    with op.batch_alter_table('social_channels', schema=None) as batch_op:
        batch_op.drop_column('audience_zone')
        batch_op.drop_column('audience_countries')

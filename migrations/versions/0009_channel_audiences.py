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

    cancel_doubles(connection)


def cancel_doubles(connection):
    """Before audiences, "09:00 per audience" made one publication per channel *and* audience:
    the same text twice from one account. Keep one pending publication per post and channel
    (the one for the channel's own first country, else the earliest) and cancel the others."""
    channels = sa.table(
        'social_channels', sa.column('id', sa.Integer), sa.column('audience_countries', sa.JSON)
    )
    home_country = {
        channel_id: (countries or [None])[0]
        for channel_id, countries in connection.execute(
            sa.select(channels.c.id, channels.c.audience_countries)
        )
    }
    publications = sa.table(
        'social_publications',
        sa.column('id', sa.Integer),
        sa.column('post_id', sa.Integer),
        sa.column('channel_id', sa.Integer),
        sa.column('status', sa.String),
        sa.column('scheduled_at', sa.DateTime),
        sa.column('audience_country', sa.String),
    )
    pending = connection.execute(
        sa.select(
            publications.c.id,
            publications.c.post_id,
            publications.c.channel_id,
            publications.c.audience_country,
        )
        .where(publications.c.status.in_(('scheduled', 'failed')))
        .order_by(
            publications.c.post_id,
            publications.c.channel_id,
            publications.c.scheduled_at,
            publications.c.id,
        )
    ).all()
    groups = {}
    for row in pending:
        groups.setdefault((row.post_id, row.channel_id), []).append(row)
    doubles = []
    for (_, channel_id), items in groups.items():
        if len(items) < 2:
            continue
        keep = next(
            (item for item in items if item.audience_country == home_country.get(channel_id)),
            items[0],
        )
        doubles.extend(item.id for item in items if item.id != keep.id)
    if doubles:
        connection.execute(
            publications.update()
            .where(publications.c.id.in_(doubles))
            .values(status='cancelled')
        )


def downgrade():
    with op.batch_alter_table('social_channels', schema=None) as batch_op:
        batch_op.drop_column('audience_zone')
        batch_op.drop_column('audience_countries')

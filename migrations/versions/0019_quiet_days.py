"""quiet days (publication clashes) and each channel's clash interval

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-08 00:40:00

"""
from alembic import op
import sqlalchemy as sa
import campaigns.db


# revision identifiers, used by Alembic.
revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('quiet_days',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('start_date', sa.Date(), nullable=False),
    sa.Column('end_date', sa.Date(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=True),
    sa.Column('timezone', sa.String(length=64), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', campaigns.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', campaigns.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['people.id'], name=op.f('fk_quiet_days_created_by_id_people')),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_quiet_days_unit_id_units'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_quiet_days'))
    )
    with op.batch_alter_table('quiet_days', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_quiet_days_start_date'), ['start_date'], unique=False)
        batch_op.create_index(batch_op.f('ix_quiet_days_unit_id'), ['unit_id'], unique=False)

    with op.batch_alter_table('social_channels', schema=None) as batch_op:
        batch_op.add_column(sa.Column('clash_interval_minutes', sa.Integer(), nullable=True))


def downgrade():
    # A plain DROP COLUMN (SQLite has it since 3.35): a batch would copy social_channels and
    # drop the original, which the publications' foreign keys refuse once there is data.
    op.drop_column('social_channels', 'clash_interval_minutes')

    with op.batch_alter_table('quiet_days', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_quiet_days_unit_id'))
        batch_op.drop_index(batch_op.f('ix_quiet_days_start_date'))

    op.drop_table('quiet_days')

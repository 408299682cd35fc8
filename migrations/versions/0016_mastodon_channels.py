"""mastodon channels: visibility per channel, the platform's own limits read by "test connection"

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-08 01:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('social_channels', schema=None) as batch_op:
        batch_op.add_column(sa.Column('visibility', sa.String(length=10), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('platform_limits', sa.JSON(), nullable=False, server_default=sa.text("'{}'")))


def downgrade():
    with op.batch_alter_table('social_channels', schema=None) as batch_op:
        batch_op.drop_column('platform_limits')
        batch_op.drop_column('visibility')

"""mastodon channels: visibility per channel, the platform's own limits read by "test connection"

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-08 01:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


# Plain ALTER TABLE, no batch: SQLite adds and (since 3.35) drops a column in place, whereas a
# batch would copy social_channels, which publications and snapshots reference.


def upgrade():
    op.add_column('social_channels', sa.Column('visibility', sa.String(length=10), nullable=False, server_default=''))
    op.add_column('social_channels', sa.Column('platform_limits', sa.JSON(), nullable=False, server_default=sa.text("'{}'")))


def downgrade():
    op.drop_column('social_channels', 'platform_limits')
    op.drop_column('social_channels', 'visibility')

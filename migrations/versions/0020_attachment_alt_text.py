"""attachments: each image's alt text (sent as its description where the platform takes one)

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-08 01:25:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None


# Plain ALTER TABLE, no batch (see 0018): SQLite adds and drops a column in place.


def upgrade():
    op.add_column('social_attachments', sa.Column('alt_text', sa.Text(), nullable=False, server_default=''))


def downgrade():
    op.drop_column('social_attachments', 'alt_text')

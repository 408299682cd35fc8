"""bulk uploads of posts: one row per confirmed file, so the same file creates its posts once

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-08 01:20:00

"""

from alembic import op
import sqlalchemy as sa

import campaigns.db


# revision identifiers, used by Alembic.
revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "social_bulk_uploads",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("post_ids", sa.JSON(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", campaigns.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["people.id"],
            name=op.f("fk_social_bulk_uploads_created_by_id_people"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_social_bulk_uploads")),
        sa.UniqueConstraint("sha256", name=op.f("uq_social_bulk_uploads_sha256")),
    )
    with op.batch_alter_table("social_bulk_uploads", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_social_bulk_uploads_created_by_id"), ["created_by_id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("social_bulk_uploads", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_social_bulk_uploads_created_by_id"))
    op.drop_table("social_bulk_uploads")

"""clearance chains: policies on units and campaigns, legal reviewers, the chain of a post

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-08 00:20:00

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("units", schema=None) as batch_op:
        batch_op.add_column(sa.Column("clearance_policy", sa.JSON(), nullable=True))
    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("legal_reviewer", sa.Boolean(), nullable=False, server_default='0')
        )
    with op.batch_alter_table("social_campaigns", schema=None) as batch_op:
        batch_op.add_column(sa.Column("clearance_policy", sa.JSON(), nullable=True))
    with op.batch_alter_table("social_posts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("clearance_chain", sa.JSON(), nullable=True))
        batch_op.add_column(
            sa.Column("clearance_steps_taken", sa.Integer(), nullable=False, server_default="0")
        )
    with op.batch_alter_table("social_post_reviews", schema=None) as batch_op:
        batch_op.add_column(sa.Column("step", sa.Integer(), nullable=True))
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.add_column(sa.Column("post_step", sa.Integer(), nullable=True))


_ADDED = (
    ("notifications", "post_step"),
    ("social_post_reviews", "step"),
    ("social_posts", "clearance_steps_taken"),
    ("social_posts", "clearance_chain"),
    ("social_campaigns", "clearance_policy"),
    ("people", "legal_reviewer"),
    ("units", "clearance_policy"),
)


def downgrade():
    # SQLite (3.35+) drops a plain column in place; a batch copy would have to drop and recreate
    # tables that others reference (people, units, posts), which foreign keys forbid.
    for table, column in _ADDED:
        op.drop_column(table, column)

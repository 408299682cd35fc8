"""metrics: snapshots, per-publication rollup, read budgets, effectiveness criteria

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07 17:21:42.217120

"""
from alembic import op
import sqlalchemy as sa
import campaigns.db


# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('metric_criteria_sets',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('period_start', sa.Date(), nullable=False),
    sa.Column('period_end', sa.Date(), nullable=False),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', campaigns.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', campaigns.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['people.id'], name=op.f('fk_metric_criteria_sets_created_by_id_people'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_metric_criteria_sets'))
    )
    op.create_table('metric_criteria',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('set_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('measure', sa.String(length=40), nullable=False),
    sa.Column('weight', sa.Integer(), nullable=False),
    sa.Column('target', sa.Numeric(precision=14, scale=4, asdecimal=False), nullable=True),
    sa.ForeignKeyConstraint(['set_id'], ['metric_criteria_sets.id'], name=op.f('fk_metric_criteria_set_id_metric_criteria_sets'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_metric_criteria'))
    )
    with op.batch_alter_table('metric_criteria', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_metric_criteria_set_id'), ['set_id'], unique=False)

    op.create_table('metric_read_budgets',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('channel_id', sa.Integer(), nullable=False),
    sa.Column('window_start', campaigns.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('window_end', campaigns.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('capacity', sa.Integer(), nullable=False),
    sa.Column('used', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['channel_id'], ['social_channels.id'], name=op.f('fk_metric_read_budgets_channel_id_social_channels'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_metric_read_budgets')),
    sa.UniqueConstraint('channel_id', 'window_start', name='uq_metric_read_budgets_window')
    )
    with op.batch_alter_table('metric_read_budgets', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_metric_read_budgets_channel_id'), ['channel_id'], unique=False)

    op.create_table('metric_publications',
    sa.Column('publication_id', sa.Integer(), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('post_id', sa.Integer(), nullable=False),
    sa.Column('channel_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('channel_kind', sa.String(length=12), nullable=False),
    sa.Column('language', sa.String(length=35), nullable=False),
    sa.Column('audience_country', sa.String(length=2), nullable=True),
    sa.Column('scheduled_at', campaigns.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('published_at', campaigns.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('on_time', sa.Boolean(), nullable=False),
    sa.Column('sandbox', sa.Boolean(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('gone_reason', sa.Text(), nullable=False),
    sa.Column('gone_at', campaigns.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('measured_at', campaigns.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('reach', sa.BigInteger(), nullable=True),
    sa.Column('reactions', sa.BigInteger(), nullable=True),
    sa.Column('redistribution', sa.BigInteger(), nullable=True),
    sa.Column('conversation', sa.BigInteger(), nullable=True),
    sa.Column('saves', sa.BigInteger(), nullable=True),
    sa.Column('engagements', sa.BigInteger(), nullable=True),
    sa.Column('raw', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['campaign_id'], ['social_campaigns.id'], name=op.f('fk_metric_publications_campaign_id_social_campaigns'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['channel_id'], ['social_channels.id'], name=op.f('fk_metric_publications_channel_id_social_channels'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['post_id'], ['social_posts.id'], name=op.f('fk_metric_publications_post_id_social_posts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['publication_id'], ['social_publications.id'], name=op.f('fk_metric_publications_publication_id_social_publications'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_metric_publications_unit_id_units')),
    sa.PrimaryKeyConstraint('publication_id', name=op.f('pk_metric_publications'))
    )
    with op.batch_alter_table('metric_publications', schema=None) as batch_op:
        batch_op.create_index('ix_metric_publications_campaign', ['campaign_id', 'published_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_metric_publications_channel_id'), ['channel_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_metric_publications_post_id'), ['post_id'], unique=False)
        batch_op.create_index('ix_metric_publications_published', ['published_at'], unique=False)
        batch_op.create_index('ix_metric_publications_unit', ['unit_id', 'published_at'], unique=False)

    op.create_table('metric_snapshots',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('publication_id', sa.Integer(), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('channel_id', sa.Integer(), nullable=False),
    sa.Column('point', sa.String(length=4), nullable=False),
    sa.Column('due_at', campaigns.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('not_before', campaigns.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('status', sa.String(length=8), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('claimed_by', sa.String(length=120), nullable=True),
    sa.Column('lease_until', campaigns.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('taken_at', campaigns.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('late_seconds', sa.Integer(), nullable=True),
    sa.Column('skipped_reason', sa.String(length=40), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=False),
    sa.Column('reach', sa.BigInteger(), nullable=True),
    sa.Column('reactions', sa.BigInteger(), nullable=True),
    sa.Column('redistribution', sa.BigInteger(), nullable=True),
    sa.Column('conversation', sa.BigInteger(), nullable=True),
    sa.Column('saves', sa.BigInteger(), nullable=True),
    sa.Column('engagements', sa.BigInteger(), nullable=True),
    sa.Column('raw', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['campaign_id'], ['social_campaigns.id'], name=op.f('fk_metric_snapshots_campaign_id_social_campaigns'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['channel_id'], ['social_channels.id'], name=op.f('fk_metric_snapshots_channel_id_social_channels'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['publication_id'], ['metric_publications.publication_id'], name=op.f('fk_metric_snapshots_publication_id_metric_publications'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_metric_snapshots')),
    sa.UniqueConstraint('publication_id', 'point', name='uq_metric_snapshots_point')
    )
    with op.batch_alter_table('metric_snapshots', schema=None) as batch_op:
        batch_op.create_index('ix_metric_snapshots_campaign_point', ['campaign_id', 'point', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_metric_snapshots_channel_id'), ['channel_id'], unique=False)
        batch_op.create_index('ix_metric_snapshots_due', ['status', 'not_before'], unique=False)
        batch_op.create_index('ix_metric_snapshots_lease', ['status', 'lease_until'], unique=False)



def downgrade():
    with op.batch_alter_table('metric_snapshots', schema=None) as batch_op:
        batch_op.drop_index('ix_metric_snapshots_lease')
        batch_op.drop_index('ix_metric_snapshots_due')
        batch_op.drop_index(batch_op.f('ix_metric_snapshots_channel_id'))
        batch_op.drop_index('ix_metric_snapshots_campaign_point')

    op.drop_table('metric_snapshots')
    with op.batch_alter_table('metric_publications', schema=None) as batch_op:
        batch_op.drop_index('ix_metric_publications_unit')
        batch_op.drop_index('ix_metric_publications_published')
        batch_op.drop_index(batch_op.f('ix_metric_publications_post_id'))
        batch_op.drop_index(batch_op.f('ix_metric_publications_channel_id'))
        batch_op.drop_index('ix_metric_publications_campaign')

    op.drop_table('metric_publications')
    with op.batch_alter_table('metric_read_budgets', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_metric_read_budgets_channel_id'))

    op.drop_table('metric_read_budgets')
    with op.batch_alter_table('metric_criteria', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_metric_criteria_set_id'))

    op.drop_table('metric_criteria')
    op.drop_table('metric_criteria_sets')

"""The catalog: tenants, users, tokens, metadata store, audit trail, outbox

Revision ID: 0001
Revises: (none)
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import objectry.metadata.fieldtypes.sqltypes as sqltypes

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('tenants',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('slug', sa.String(length=40), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('created_at', sqltypes.UTCDateTime(), nullable=False),
    sa.Column('meta_version', sa.Integer(), server_default='0', nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tenants')),
    sa.UniqueConstraint('slug', name=op.f('uq_tenants_slug'))
    )
    op.create_table('events',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('object', sa.String(length=63), nullable=False),
    sa.Column('record_id', sa.Uuid(), nullable=True),
    sa.Column('type', sa.String(length=63), nullable=False),
    sa.Column('occurred_at', sqltypes.UTCDateTime(), nullable=False),
    sa.Column('actor_id', sa.Uuid(), nullable=True),
    sa.Column('data', sqltypes.json_column(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_events_tenant_id_tenants')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_events'))
    )
    op.create_index('ix_events_tenant', 'events', ['tenant_id', 'id'], unique=False)

    op.create_table('hidden_fields',
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('object', sa.String(length=63), nullable=False),
    sa.Column('field', sa.String(length=63), nullable=False),
    sa.Column('definition', sqltypes.json_column(), nullable=False),
    sa.Column('hidden_in_version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_hidden_fields_tenant_id_tenants')),
    sa.PrimaryKeyConstraint('tenant_id', 'object', 'field', name=op.f('pk_hidden_fields'))
    )
    op.create_table('meta_documents',
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('api_name', sa.String(length=63), nullable=False),
    sa.Column('document', sqltypes.json_column(), nullable=False),
    sa.Column('origin', sqltypes.json_column(), nullable=False),
    sa.Column('baseline', sqltypes.json_column(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_meta_documents_tenant_id_tenants')),
    sa.PrimaryKeyConstraint('tenant_id', 'kind', 'api_name', name=op.f('pk_meta_documents'))
    )
    op.create_table('meta_revisions',
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('api_name', sa.String(length=63), nullable=False),
    sa.Column('document', sqltypes.json_column(), nullable=True),
    sa.Column('origin', sqltypes.json_column(), nullable=True),
    sa.Column('baseline', sqltypes.json_column(), nullable=True),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_meta_revisions_tenant_id_tenants')),
    sa.PrimaryKeyConstraint('tenant_id', 'version', 'kind', 'api_name', name=op.f('pk_meta_revisions'))
    )
    op.create_table('meta_versions',
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sqltypes.UTCDateTime(), nullable=False),
    sa.Column('actor', sa.Text(), nullable=False),
    sa.Column('summary', sa.Text(), server_default='', nullable=False),
    sa.Column('changes', sqltypes.json_column(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_meta_versions_tenant_id_tenants')),
    sa.PrimaryKeyConstraint('tenant_id', 'version', name=op.f('pk_meta_versions'))
    )
    op.create_table('record_audit',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('object', sa.String(length=63), nullable=False),
    sa.Column('record_id', sa.Uuid(), nullable=False),
    sa.Column('record_version', sa.Integer(), nullable=False),
    sa.Column('action', sa.String(length=20), nullable=False),
    sa.Column('actor_id', sa.Uuid(), nullable=True),
    sa.Column('at', sqltypes.UTCDateTime(), nullable=False),
    sa.Column('changes', sqltypes.json_column(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_record_audit_tenant_id_tenants')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_record_audit'))
    )
    op.create_index('ix_record_audit_record', 'record_audit', ['tenant_id', 'object', 'record_id', 'id'], unique=False)

    op.create_table('sequences',
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('object', sa.String(length=63), nullable=False),
    sa.Column('field', sa.String(length=63), nullable=False),
    sa.Column('next_value', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_sequences_tenant_id_tenants')),
    sa.PrimaryKeyConstraint('tenant_id', 'object', 'field', name=op.f('pk_sequences'))
    )
    op.create_table('users',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('name', sa.Text(), server_default='', nullable=False),
    sa.Column('is_admin', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('roles', sqltypes.json_column(), nullable=False),
    sa.Column('department', sa.String(length=63), nullable=True),
    sa.Column('active', sa.Boolean(), server_default=sa.true(), nullable=False),
    sa.Column('created_at', sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_users_tenant_id_tenants')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_users')),
    sa.UniqueConstraint('tenant_id', 'email', name=op.f('uq_users_tenant_id_email'))
    )
    op.create_table('api_tokens',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Uuid(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('label', sa.Text(), server_default='', nullable=False),
    sa.Column('created_at', sqltypes.UTCDateTime(), nullable=False),
    sa.Column('revoked_at', sqltypes.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_api_tokens_tenant_id_tenants')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_api_tokens_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_tokens')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_api_tokens_token_hash'))
    )


def downgrade() -> None:
    op.drop_table('api_tokens')
    op.drop_table('users')
    op.drop_table('sequences')
    op.drop_index('ix_record_audit_record', table_name='record_audit')

    op.drop_table('record_audit')
    op.drop_table('meta_versions')
    op.drop_table('meta_revisions')
    op.drop_table('meta_documents')
    op.drop_table('hidden_fields')
    op.drop_index('ix_events_tenant', table_name='events')

    op.drop_table('events')
    op.drop_table('tenants')

"""The consent rows: who agreed to (or refused) marketing on which channel, and how.

Consent is a row of its own rather than fields of each object: it works for any object
without a schema change, keeps the proof a regulator asks for (when, from what source,
by whom), and the public unsubscribe link writes it without touching the record (no new
version, no ``updated`` event starting workflows). ``recipient`` is the address the
consent was given for, so an opt-out also holds for another record with that address.
"""

from __future__ import annotations

import sqlalchemy as sa

from objectry.metadata.catalog_tables import CATALOG
from objectry.metadata.fieldtypes.sqltypes import UTCDateTime

consents = sa.Table(
    "message_consents", CATALOG,
    sa.Column("tenant_id", sa.Integer, sa.ForeignKey("tenants.id"), primary_key=True),
    sa.Column("object", sa.String(63), primary_key=True),
    sa.Column("record_id", sa.Uuid, primary_key=True),
    sa.Column("channel", sa.String(20), primary_key=True),  # email | sms | wecom
    sa.Column("status", sa.String(20), nullable=False),  # opted_in | opted_out
    #: The address as the channel uses it when the consent was given (may be empty).
    sa.Column("recipient", sa.String(320), nullable=False, server_default=""),
    #: api | unsubscribe_link | list_unsubscribe | web_form:<name>
    sa.Column("source", sa.String(100), nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    sa.Column("updated_by", sa.String(254), nullable=False),
    sa.Index("ix_message_consents_recipient", "tenant_id", "channel", "recipient"),
)

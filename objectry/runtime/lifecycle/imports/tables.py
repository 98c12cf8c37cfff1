"""Catalog tables of imports: one row per import, one per source row (migration 0014).

The source rows are stored as text, as read from the file, so a run needs nothing but
these rows: each batch commits its records together with the outcomes of its failed
rows and the import's watermark, and a run that stopped (a crash, a restart) resumes
after the watermark at the first row without an outcome.
"""

from __future__ import annotations

import sqlalchemy as sa

from objectry.metadata.catalog_tables import CATALOG
from objectry.metadata.fieldtypes.sqltypes import UTCDateTime, json_column

imports = sa.Table(
    "imports", CATALOG,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("tenant_id", sa.Integer, sa.ForeignKey("tenants.id"), nullable=False),
    sa.Column("object", sa.String(63), nullable=False),
    #: previewed, queued, running, done, failed
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("file_name", sa.String(255), nullable=False),
    sa.Column("file_format", sa.String(10), nullable=False),
    sa.Column("encoding", sa.String(20)),
    sa.Column("columns", json_column(), nullable=False),
    sa.Column("mapping", json_column(), nullable=False),
    sa.Column("upsert_on", sa.String(63)),
    sa.Column("total_rows", sa.Integer, nullable=False),
    sa.Column("invalid_rows", sa.Integer, nullable=False, server_default="0"),
    sa.Column("rows_done", sa.Integer, nullable=False, server_default="0"),
    sa.Column("rows_failed", sa.Integer, nullable=False, server_default="0"),
    sa.Column("created_by", sa.Uuid),
    sa.Column("locale", sa.String(10), nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("started_at", UTCDateTime),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    sa.Column("finished_at", UTCDateTime),
    #: who runs it now and until when (a run whose lease ran out may be taken over)
    sa.Column("lease_owner", sa.String(80)),
    sa.Column("lease_until", UTCDateTime),
    #: why a run stopped (status failed): a problem's code and parameters
    sa.Column("error", json_column()),
    #: the last preview's summary: duplicates found, what assignment would do (0021)
    sa.Column("preview", json_column()),
    #: rule name -> the fingerprint of the rule definition the rows' match keys were
    #: computed under by the last preview (0026); a run recomputes those of changed rules
    sa.Column("match_rules", json_column()),
    #: every row numbered up to here was applied by a committed batch of a run (0026):
    #: the rows it wrote keep no outcome of their own
    sa.Column("rows_through", sa.Integer),
    sa.Index("ix_imports_tenant", "tenant_id", "created_at"),
)

import_rows = sa.Table(
    "import_rows", CATALOG,
    sa.Column("import_id", sa.Uuid, sa.ForeignKey("imports.id", ondelete="CASCADE"),
              primary_key=True),
    #: the row's number in the file (the header is row 1)
    sa.Column("row_no", sa.Integer, primary_key=True),
    sa.Column("cells", json_column(), nullable=False),
    #: NULL: not applied yet, or written by a run up to imports.rows_through (0026);
    #: failed, or created or updated (a row the preview refused, or an earlier version)
    sa.Column("outcome", sa.String(10)),
    sa.Column("record_id", sa.Uuid),
    sa.Column("errors", json_column()),
    #: rule name -> [the row's match key (None: nothing to match), *the values it is
    #: of], by the last preview (0026)
    sa.Column("match_keys", json_column()),
    sa.Index("ix_import_rows_pending", "import_id", "outcome", "row_no"),
)

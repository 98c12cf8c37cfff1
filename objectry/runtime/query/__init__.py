"""The condition language at run time, and list pagination.

``compile`` (to_sql for lists, to_predicate for rules and workflows), its two
compilers ``sql_compiler`` and ``python_compiler``, ``dates`` (relative date windows),
``text_folding`` (case/width-insensitive text in SQL), ``inputs`` (what a compiler is
given about related records), ``pagination`` (sorts and keyset cursors),
``constants`` (values written into cached SQL text) and ``list_params`` (the one
reader of ``limit``, ``cursor``, ``sort`` and ``fields``). May
import ``model``, ``kernel`` and ``metadata``; it knows nothing of who asks (that is
``access``).
"""

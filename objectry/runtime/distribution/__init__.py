"""Distribution: assignment rules and the gap finder, for any object with an owner.

- ``rules``: compile an ``assignment_rule`` document, decide who gets a record (first
  matching entry, eligible recipients, round robin / least loaded / fixed) and move it
  through ``records.change_owner`` with the decision as the reason;
- ``gaps``: a rule's dry run over existing records, with the records it misses and why;
- ``cursor_tables``: the round-robin cursor rows (one per rule entry, row-locked).

Sits above ``records`` (it reads rows through the Guard and moves owners only through
the records service, so access, versions, audit and events hold) and below
``automation`` (the workflow ``assign`` step with ``rule`` calls it). May import
``records``, ``access``, ``query``, ``model`` and ``kernel``; never ``automation``,
``scoring``, ``schema`` or ``functions``.
"""

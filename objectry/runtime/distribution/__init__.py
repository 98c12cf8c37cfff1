"""Distribution: assignment rules, the gap finder and lead pools, for any object with an
owner.

- ``rules``: compile an ``assignment_rule`` document, decide who gets a record (first
  matching entry, eligible recipients, round robin / least loaded / fixed) and move it
  through ``records.change_owner`` with the decision as the reason; ``entry_index``: a
  rule's entries by the values their conditions require (a record's candidate entries
  by dict lookup, in order); ``apply``: a rule applied on demand, a batch at once;
- ``auto``: new records assigned by the object's ``auto`` rules in the creating
  transaction (called from the lifecycle's after-write hooks, a bulk batch at once);
- ``gaps``: a rule's dry run over existing records, with the records it misses and why
  (per record, or as a SQL summary over every record);
- ``by_hand``: distribution by hand over many records (grants with levels, recall, tags);
- ``pools``: lead pools (公海): list masked, add, claim within limits, return, reclaim;
  ``pool_timers`` (deadlines, activity) and ``pool_sweep`` (reclaim and warn, called by
  the automation engine's sweep);
- ``watch``: following a record; ``watch_news``: what its followers are told of its
  changes (from the journal's events, as each follower may see them; the automation
  engine sends them with the events' dispatch);
- ``places``: the zh-CN area-code table of the gap finder;
- ``cursor_tables``: the round-robin cursor rows (one per rule entry, row-locked) and
  the pool tables (``pool_entries``: a record's place and timers; ``pool_claims``).

Sits above ``records`` (it reads rows through the Guard and moves owners only through
the records service, so access, versions, audit and events hold) and below
``automation`` (the workflow ``assign`` step with ``rule`` calls it). May import
``records``, ``access``, ``query``, ``model`` and ``kernel``; never ``automation``,
``scoring``, ``schema`` or ``functions``.
"""

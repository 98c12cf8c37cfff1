"""Who may see and do what: access decided in one place for every path.

``guard`` (the per-object Guard the records service asks: decisions, visibility SQL,
presentation of a row), ``filter_sources`` (what a caller's filter may reach),
``grants`` (distribution grants), ``explain`` (why a user can or cannot) and
``people`` (actors from users). May import ``query``, ``model``, ``kernel``,
``metadata`` and ``permissions``; never ``records`` or anything above it.
"""

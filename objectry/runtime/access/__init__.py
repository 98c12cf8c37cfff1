"""Who may see and do what: access decided in one place for every path.

``guard`` holds the per-object Guard the records service asks; it composes
``decisions`` (roles, the Casbin enforcer, access maps), ``visibility`` (data scope and
grant SQL, page selection, loading a visible row) and ``presentation`` (hidden and
masked fields, what may be filtered, sorted and written). Beside it: ``filter_sources``
(what a caller's filter may reach), ``grants`` (distribution grants), ``explain`` (why a
user can or cannot) and ``people`` (actors from users). May import ``query``, ``model``,
``kernel``, ``metadata`` and ``permissions``; never ``records`` or anything above it.
"""

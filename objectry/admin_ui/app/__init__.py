"""The end-user web app: sign-in, home, lists, record pages and forms (issue 13).

Server-rendered Jinja pages with htmx; every read and write goes through the records
service with the signed-in user's context, and what a field looks like comes from the
field-type registry (``display``, ``widget``), so the pages show exactly what the
records API would show the same user.
"""

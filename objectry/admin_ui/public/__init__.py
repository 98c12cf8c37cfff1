"""The public pages: web-to-lead forms (``/f/{tenant}/{form}``) and unsubscribe links
(``/u/{token}``). No sign-in, no session, no CSRF cookie: each page carries a signed
token bound to what it acts on, and each write is rate limited per client address."""

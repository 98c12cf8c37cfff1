"""Admin designers and the end-user app (a Flask blueprint)."""

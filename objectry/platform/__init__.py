"""The web and command-line faces of Objectry: Flask app, HTTP API, CLI, database setup.

Only this layer knows about HTTP; it turns requests into service calls with an explicit
context and renders the services' problems as RFC 9457 problem details.
"""

"""The HTTP API (FastAPI): what the admin app does, for other systems.

Every route is a thin layer over the same domain functions the app calls
(catalog, importing, webhooks, access); no rule or SQL of its own.
"""

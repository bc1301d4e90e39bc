"""HTTP plumbing that both adapters over FastAPI -- the REST API and the pages -- share.

``app.api`` and ``app.web`` may not import each other, yet both need to know who the caller
is (token or session cookie, CSRF), to get the request's database session and queue, and to
turn a refused use case into a status code. Those FastAPI-level pieces live here, above the
service layer (which knows nothing of HTTP) and below the two adapters:

- ``auth``: sessions, Bearer tokens, CSRF -> ``app.service.permissions.Principal``
- ``deps``: the ``Annotated`` dependencies (settings, database, session, queue, caller)
- ``errors``: ``ServiceError`` -> HTTP status and JSON ``detail``
- ``limits``: the middleware that cuts off over-large request bodies
"""

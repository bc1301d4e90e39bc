"""The use cases that the adapters share, as plain functions over a session or ``Database``.

Layers, each importing only those before it (``tests/unit/test_layers.py`` checks this):

    app.analysis (pure engine)  <-  app.db (models, queries, blobs)  <-  app.service (here)
        <-  app.http (FastAPI dependencies both api and web use)
        <-  adapters app.api, app.web, app.cli, app.jobs (never each other)
        <-  composition root app.main / app.entrypoints

Nothing here knows about HTTP: a refused request is a ``ServiceError`` (``errors.py``), which
each adapter turns into its own answer (JSON ``detail``, an HTML error page, a CLI message).
"""

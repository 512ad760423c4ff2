"""The one FastAPI app: REST API (``api/``), server-rendered dashboard (``pages/``,
``templates/``, ``static/``), auth dependencies and the CxmError → HTTP mapper."""

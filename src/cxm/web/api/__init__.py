"""REST API routers, one module per area, all mounted under /api/v1."""

"""Analytics as Ibis expressions: query specs (frozen dataclasses) → expressions → result
dataclasses, run on DuckDB over the Parquet mirror (default) or PostgreSQL. One module per
analysis; ``engine`` holds the connections."""

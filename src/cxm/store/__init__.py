"""The system of record: SQLAlchemy tables, the database connection (SQLite WAL or
PostgreSQL), repositories, Alembic migrations and the Parquet mirror writer."""

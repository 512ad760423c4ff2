"""Use cases. Services own their transactions and are the only callers of ``store`` and
``analytics``; web, CLI and jobs call services (DESIGN.md §3). One module per area."""

"""Pure domain: entities, value objects, metric definitions, the taxonomy model and the
``CxmError`` family. Nothing here does I/O."""

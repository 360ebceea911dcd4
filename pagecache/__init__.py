"""The anonymous page cache and its compression: whole pages for readers without a
session, answered before the rest of the middleware and purged on every publish
(`cache.py`), compressed once when rendered (`compression.py`)."""

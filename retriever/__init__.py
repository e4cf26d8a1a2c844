"""Retrieval: hybrid Thai search over an index folder, returning cited passages."""

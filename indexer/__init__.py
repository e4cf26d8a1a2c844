"""Ingestion: read circulars, split bundles into letters, chunk by directive item, index."""

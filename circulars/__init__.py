"""circulars: semantic search and question answering over Thai government circulars.

This package holds what every stage shares: the typed settings, the data classes
that travel between stages (letters, chunks, hits) and the command line.
"""

__version__ = "0.1.0"

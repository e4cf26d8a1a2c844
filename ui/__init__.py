"""The Thai web interface (Gradio), mounted by `service.app` at /ui.

It calls the same core as the API (`service.answer`, `service.letters`, the shared
Searcher) and holds no retrieval logic of its own; `ui.render` turns results into
HTML with every document- or user-supplied string escaped.
"""

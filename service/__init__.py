"""The question-answering service: grounded answers, the HTTP API and the CLI commands.

`service.answer` answers a question from retrieved passages and never cites a passage
it was not given; `service.app` serves it (and the Gradio UI in `ui/`) over HTTP.
"""

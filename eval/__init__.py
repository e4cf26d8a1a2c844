"""Offline evaluation: the Thai circular question set and BEIR-style retrieval sets.

`circulars eval` indexes what it needs, searches every question in each mode
(bm25, dense, hybrid), scores the runs with ranx (hit rate, recall, MRR, nDCG, and
a paired significance test between modes), scores `/ask`-style answers on the
circular set (citation precision, recall and F1; not-found accuracy), and writes a
Markdown report with tables and plots plus a JSON file of every number under
`eval/reports/`. Modules:

- `eval.data`: reading and checking the question set and BEIR folders (file:line errors)
- `eval.validate`: gold labels against the index store
- `eval.metrics`: ranx runs from hits, per-query scores, significance, answer scores
- `eval.runner`: batch search over an index, answer evaluation and threshold tuning
- `eval.report`: Markdown, JSON and PNG output
- `eval.cli`: the `eval` subcommand
"""

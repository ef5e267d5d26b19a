"""The demo data set (`manage.py seed_demo`): the top floor.

Owns the demo registry (the real-format FINESS and GHT extracts of `fixtures/finess/`), one
person per role, last year's and this year's campaigns with realistic answers
(`answers.py`, `campaigns.py`). Everything goes through the same services as real use.
`seed_demo` refuses to run in production.

May import any app; no app imports it (the browser tests read its accounts).
"""

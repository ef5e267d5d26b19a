"""The project: settings, URLs, the pages every role shares (home, accessibility statement),
the navigation, middleware, the SVG chart helpers and the display formats.

The navigation (`context_processors.py`) asks permissions (`rules.has_perm`) and the person's
scope whether to show an entry, and lists one dashboard per region or GHT of the person's own
assignments. Infrastructure: it may import any app but `demo`. The apps import only its toolkit, which
imports none of them: `formats.py` (how numbers, scores, percentages, amounts and dates read in
French; their template filters, `template_formats.py`, are template builtins), `charts.py`, the
API helpers (`api_filters.py`, `api_schema.py`, `api_errors.py`), `ids.py`, `spreadsheets.py`,
`env.py`, `headers.py` and `middleware.py` (see `tests/test_architecture.py`).
"""

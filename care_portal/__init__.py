"""The project: settings, URLs, the pages every role shares (home, accessibility statement),
the navigation, middleware, the SVG chart helpers and the display formats.

The navigation (`context_processors.py`) asks permissions (`rules.has_perm`) and the person's
scope whether to show an entry, and lists one dashboard per region or GHT of the person's own
assignments. The top floor: it may import any app; the apps import only `charts.py` and `formats.py`
from it (how numbers, scores, percentages, amounts and dates read in French; their template
filters, `template_formats.py`, are template builtins), which import none of them.
"""

"""The project: settings, URLs, the pages every role shares (home, accessibility statement),
the navigation, middleware, and the SVG chart helpers.

The navigation (`context_processors.py`) asks permissions (`rules.has_perm`) and the person's
scope whether to show an entry, and lists one dashboard per region or GHT of the person's own
assignments. The top floor: it may import any app; the apps import only `charts.py` from it,
which imports none of them.
"""

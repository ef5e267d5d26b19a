"""Pages of long lists read with as few passes over the rows as possible."""

from __future__ import annotations

from django.core.paginator import Page, Paginator
from django.db.models import Count, QuerySet, Window

# The list's length, read beside each row of a page (see `counted_page`).
FULL_COUNT = "full_count"


class KnownCountPaginator(Paginator):
    """A paginator that trusts a count already known instead of counting again."""

    def __init__(self, *args, count: int | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if count is not None:
            self.__dict__["count"] = count


def counted_page(rows: QuerySet, per_page: int, number) -> Page:
    """The page `number` of `rows` (a `values()` queryset), its rows and the list's length read
    in one query (``COUNT(*) OVER ()``: the filtered list is joined once, not once to count
    and again for the page). As `Paginator.get_page`, a page that is not a number gives the
    first and a page past the end the last (then counted apart)."""
    try:
        wanted = int(number) if number is not None else 1
    except (TypeError, ValueError):
        wanted = 1  # as `Paginator.get_page`: the first page
    if wanted >= 1:
        start = (wanted - 1) * per_page
        found = list(rows.annotate(**{FULL_COUNT: Window(Count("*"))})[start : start + per_page])
        if found or wanted == 1:
            count = found[0][FULL_COUNT] if found else 0
            for row in found:
                del row[FULL_COUNT]
            page = KnownCountPaginator(rows, per_page, count=count).page(wanted)
            page.object_list = found
            return page
    return Paginator(rows, per_page).get_page(number)

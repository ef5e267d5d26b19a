"""The links of the dashboards' breakdowns (a region or GHT to its own dashboard): written from
one resolved URL for a page's hundreds of rows, they are the URLs the router resolves."""

from django.urls import reverse
from hypothesis import example, given, settings
from hypothesis import strategies as st

from dashboards.views import _url_pattern

codes = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="/"),
    min_size=1,
    max_size=20,
)


@settings(deadline=None)  # the first call loads the URL configuration
@given(code=codes)
@example(code="GHT-B0061")
@example(code="2A")
@example(code="GHT 75 & ouest ?#%")
@example(code="Île-de-France~:@")
def test_a_group_links_to_the_dashboard_reverse_gives(code):
    for name in ("dashboards:region", "dashboards:ght"):
        url = _url_pattern(name)(code)
        assert url == reverse(name, args=[code])

"""Who may open which dashboard.

The regional and GHT dashboards are opened by whoever has the region or GHT in their scope
(`Region.objects.for_user`, `GHT.objects.for_user`); the national one by the national level.
"""

import rules

from establishments.permissions import is_national

rules.add_perm("dashboards.view_national", is_national)

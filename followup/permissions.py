"""Who may do what in the campaign follow-up.

Which relaunches and bulk reports each person lists is their `for_user`; these decide what a
page built by another app offers (the assessment status page links a relaunch received only
for those who may open it).
"""

import rules

from establishments.models import Role
from establishments.permissions import holds_role, is_national


@rules.predicate
def is_ars_of_relaunch(user, relaunch) -> bool:
    return holds_role(user, Role.ARS, region_id=relaunch.region_id)


# A relaunch is read by the ARS that sent it (its region's) and by the national level.
rules.add_perm("followup.view_relaunch", is_national | is_ars_of_relaunch)

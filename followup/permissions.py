"""Who may do what in the campaign follow-up.

Which relaunches and bulk reports each person reads is their `for_user`; these decide who is
offered them at all.
"""

import rules

from establishments.permissions import is_ars, is_national

# The relaunches an ARS sent (the national level reads every region's).
rules.add_perm("followup.view_relaunches", is_national | is_ars)

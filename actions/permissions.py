"""Who may do what to an action plan: the RSSI of the establishment writes it, the ARS of the
region decides on the plans filed for unmet targets; everyone else in scope reads.

Seeing a plan at all is decided by `Assessment.objects.for_user`.
"""

import rules

from assessments.permissions import is_ars_of, is_rssi_of

# The plan is followed all year: it stays writable once the assessment is submitted.
rules.add_perm("actions.edit_plan", is_rssi_of)
rules.add_perm("actions.file_target_plan", is_rssi_of)
rules.add_perm("actions.decide_target_plan", is_ars_of)

"""Who may do what to an assessment: the one set of predicates every view and template uses.

Seeing an assessment at all is decided by `Assessment.objects.for_user`; these rules decide the
actions on an assessment already in scope.
"""

import rules

from establishments.models import Role
from establishments.permissions import holds_role, is_national


@rules.predicate
def is_rssi_of(user, assessment) -> bool:
    return holds_role(user, Role.RSSI, establishment_id=assessment.establishment_id)


@rules.predicate
def is_director_of(user, assessment) -> bool:
    return holds_role(user, Role.DIRECTOR, establishment_id=assessment.establishment_id)


@rules.predicate
def is_ght_lead_of(user, assessment) -> bool:
    return holds_role(user, Role.GHT, ght_id=assessment.establishment.ght_id)


@rules.predicate
def is_ars_of(user, assessment) -> bool:
    return holds_role(user, Role.ARS, region_id=assessment.establishment.region_id)


@rules.predicate
def is_editable(user, assessment) -> bool:
    return assessment.is_editable


@rules.predicate
def is_submitted(user, assessment) -> bool:
    return assessment.status == assessment.Status.SUBMITTED


@rules.predicate
def is_closed(user, assessment) -> bool:
    return assessment.status in (assessment.Status.SUBMITTED, assessment.Status.VALIDATED)


@rules.predicate
def is_ght_support(user, assessment) -> bool:
    return assessment.establishment.is_ght_support


# The RSSI fills and submits; the GHT lead fills the GHT-level items on the support's assessment.
rules.add_perm("assessments.edit_answers", is_editable & is_rssi_of)
rules.add_perm("assessments.edit_ght_answers", is_editable & is_ght_support & is_ght_lead_of)
# Whoever may write some of its answers now: the RSSI, or the GHT lead on the support's items.
# The one rule behind « Remplir » rather than « Consulter » wherever an assessment is linked.
rules.add_perm("assessments.fill", is_editable & (is_rssi_of | (is_ght_support & is_ght_lead_of)))
rules.add_perm("assessments.submit", is_editable & is_rssi_of)
# The director signs off (or sends back) what the RSSI submitted.
rules.add_perm("assessments.validate", is_submitted & is_director_of)
rules.add_perm("assessments.send_back", is_submitted & is_director_of)
# The ARS of the region records what it holds for the establishment (the CPOM, 2-2: items with
# ``answered_by: ars``), whatever the assessment's status: never the establishment's answers.
rules.add_perm("assessments.record_ars_answers", is_ars_of)
# The ARS of the region, or the national level, reopens a submitted or validated assessment.
rules.add_perm("assessments.reopen", is_closed & (is_ars_of | is_national))
# Previewing how an assessment would read under the version that follows (nothing is written):
# the establishment's RSSI, the ARS of its region, the national level.
rules.add_perm("assessments.simulate", is_rssi_of | is_ars_of | is_national)
# The RSSI records the incidents the establishment reported and decides on the reopening they
# propose (`assessments.incidents`), whatever the assessment's status.
rules.add_perm("assessments.record_incident", is_rssi_of)

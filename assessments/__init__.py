"""Campaigns and assessments: answers, evidence, exercises, the workflow, scoring and snapshots.

Which assessments a person sees is `Assessment.objects.for_user` (the registry's establishment
scope); what they may do to one is the `rules` permissions of `permissions.py`
(`assessments.edit_answers`, `submit`, `validate`, `send_back`, `reopen`…), built from the
role predicates of `establishments.permissions`. "Mes auto-évaluations" lists the person's own
establishments, `user.scope.establishment_ids`.

Statuses and gap severities read the same everywhere through `scoring.RequirementStatus` and
`scoring.GapSeverity` (label, DSFR badge colour), which the dashboards and the e-mails use too.

May import: `establishments`, `referential`, `audit`, and `care_portal.charts` and `.formats`. Not
`dashboards` nor `followup`, which build on it (the status page includes `followup`'s template
of relaunches received without importing the app; today the report still reads the headline
targets from `dashboards.targets`).
"""

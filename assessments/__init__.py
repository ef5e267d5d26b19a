"""Campaigns and assessments: answers, evidence, exercises, the workflow, scoring and snapshots.

Owns campaigns (`campaigns.py`: opening; `carry_over.py`: carrying answers over through the
referential's code map, and its simulation), assessments and their answers
(`answers.py`: saving answers, all or nothing; `answer_fields.py`, `answer_history.py`;
`answers_json.py`: the JSON export and import of answers), evidence (`evidence.py`), crisis
exercises (`exercises.py`), the workflow (`workflow.py`: submit, validate, send back, reopen),
and scoring with the score snapshot (the `scoring` package). The pages: form, status,
"Mes auto-évaluations", evidence, exercises, history, simulation; the assessments API.

Which assessments a person sees is `Assessment.objects.for_user` (the registry's establishment
scope); what they may do to one is the `rules` permissions of `permissions.py`
(`assessments.edit_answers`, `submit`, `validate`, `send_back`, `reopen`…), built from the
role predicates of `establishments.permissions`. "Mes auto-évaluations" lists the person's own
establishments, `user.scope.establishment_ids`.

Statuses and gap severities read the same everywhere through `scoring.model.RequirementStatus`
and `scoring.model.GapSeverity` (label, DSFR badge colour), which the dashboards and the e-mails
use too.

May import: `establishments`, `referential`, `audit`, and the chart helpers and display formats
of `care_portal`. Not `reports`, `dashboards` nor `followup`, which build on it: the report is
linked by its URL name, and the status page includes `followup`'s template of relaunches
received without importing the app.
"""

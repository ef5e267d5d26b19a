"""The GHT, regional (ARS) and national dashboards and their exports.

Who opens which: the national dashboard needs `dashboards.view_national` (`permissions.py`);
a regional or GHT dashboard opens for whoever has that region or GHT in their scope
(`Region.objects.for_user`, `GHT.objects.for_user`), and counts only the establishments of
`Establishment.objects.for_user`. The menu and breadcrumbs ask the same permission.

The headline targets are defined in `referential.targets`; `targets.py` here says which
establishments meet one (`met_q(target)`, `not_met_q`, `unknown_q`, `population_q`) and the
status of a share against its target and deadline (`target_status`).

May import: `establishments`, `referential`, `assessments`, `audit`, and the chart helpers and
display formats of `care_portal`. Not `reports` nor `followup` (the latter builds on it: its
selection form and relaunch actions are included in the regional list from its templates).
"""

"""The GHT, regional (ARS) and national dashboards and their exports.

Who opens which: the national dashboard needs `dashboards.view_national` (`permissions.py`);
a regional or GHT dashboard opens for whoever has that region or GHT in their scope
(`Region.objects.for_user`, `GHT.objects.for_user`), and counts only the establishments of
`Establishment.objects.for_user`. The menu and breadcrumbs ask the same permission.

May import: `establishments`, `referential`, `assessments`, `audit`, and the chart helpers and
display formats of `care_portal.charts` and `care_portal.formats`. Not `followup`, which builds on it (its selection form and relaunch
actions are included in the regional list from `followup`'s templates).
"""

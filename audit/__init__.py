"""The audit log: the ground floor every app records into.

Owns `AuditEvent` and its actions, `services.record_event` (the one way to write an event), the
log page, and who reads it: the permission `audit.view_log` (`permissions.py`: the national
level and the ARS) and `AuditEvent.objects.for_user` (an ARS reads its region's events, through
the registry's scope).

May import: `establishments` (the establishments and regions events are filed under, the scope
and the role predicates). No other app: the labels of other apps' objects on the log page
(`display.py`) are read from Django's app registry (`apps.get_model`), not imported.
"""

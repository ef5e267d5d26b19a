"""Who may read the audit log: the national level, and the ARS (its region's events only).

Which events each reads is `AuditEvent.objects.for_user`; this decides who opens the log at all.
"""

import rules

from establishments.permissions import is_ars, is_national

rules.add_perm("audit.view_log", is_national | is_ars)

"""Who may read what of the referential: published versions for everyone signed in, drafts too
for the national level (which publishes them) and the administrators."""

import rules

from establishments.permissions import is_national

rules.add_perm("referential.view_drafts", is_national | rules.is_staff)

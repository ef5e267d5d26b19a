"""The versioned CaRE referential: axes, objectives, requirements, their rule types and loader.

Owns the versions and who reads them: published ones for everyone signed in, drafts for those
holding `referential.view_drafts` (`permissions.py`: the national level and administrators),
through `ReferentialVersion.objects.for_user`.

May import: `establishments` (the role predicates), `audit` (to record loads) and the display
formats of `care_portal.formats`. No app above.
"""

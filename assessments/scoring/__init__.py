"""Scoring an assessment and its score snapshot.

`model.py` is the pure scoring model (no database: answers + referential + reference date ->
statuses, scores, gaps, headline flags, progress; described in `docs/scoring.md`);
`compiled.py` the referential version as the model sees it, built once per version;
`service.py` scores an assessment from its stored answers (and its GHT's GHT-level answers) and
writes its snapshot, one or many in bulk; `snapshot.py` the snapshot's `detail` document and its
one typed reader, `SnapshotView`; `peers.py` the position among comparable establishments.

Part of `assessments`, and imports only what that app may import.
"""

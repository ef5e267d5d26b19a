"""docs/referential.md tells a director what version 2 holds: its targets, milestones and map."""

from pathlib import Path

from django.conf import settings

from referential.loader import read_with_sections

DOC = Path(settings.BASE_DIR) / "docs" / "referential.md"
V2_FILE = Path(settings.BASE_DIR) / "fixtures" / "referential" / "care-2026.yaml"


def test_the_director_guide_lists_every_target_milestone_and_map_entry():
    doc = DOC.read_text(encoding="utf-8")
    data = read_with_sections(V2_FILE)
    for target in data["targets"]:
        assert f"| {target['label']} | {target['action']} | {target['deadline_label']} |" in doc
    for milestone in data["milestones"]:
        assert f"| {milestone['owner']} |" in doc and milestone["action"] in doc
    for entry in data["code_map"]["not_carried"]:
        assert f"`{entry['from']}`" in doc
    narrowed = [e for e in data["code_map"]["codes"] if "à relire" in (e.get("note") or "")]
    for entry in narrowed:
        assert f"`{entry['from']}` → `{entry['code']}`" in doc

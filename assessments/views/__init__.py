"""Pages of assessments, one module per concern (form, workflow, evidence, report…)."""

"""The action plan of an assessment: actions closing its gaps, their priority, the ARS agreement.

Above ``assessments`` (it reads gaps and scores through the scoring service), below ``reports``,
``dashboards`` and ``followup``, which read it.
"""

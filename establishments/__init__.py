"""The registry and its people: the lowest app, every other one builds on it.

Owns regions, departments, GHTs and establishments (and their FINESS and GHT imports), the
people who sign in, their roles (`Role`, `RoleAssignment`) and what follows from them:

- what a person may *see*: `Scope` and `in_scope` (`models.py`), the one region / GHT /
  establishment filter behind every `for_user` method of every app;
- who a person *is*, for what they may *do*: the `rules` predicates of `permissions.py`
  (`holds_role`, `is_national`, `is_ars`), from which each app declares its permissions.

May import: `audit`, to record the changes it makes to people and the registry. No other app
(the establishment page reads its assessments through the reverse relation,
`establishment.assessments`; the demo data is the `demo` app's).
"""

"""Signing in: the sign-in form, two-factor authentication and recovery codes, lockout and
throttling of failed attempts, and the API's service tokens.

May import: `establishments` (the people and their roles) and `audit` (to record sign-ins and
token changes). No app above; the URLconf and the demo data import it.
"""

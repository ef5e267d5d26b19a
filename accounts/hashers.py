"""How passwords are stored: Argon2id, with the parameters OWASP's Password Storage Cheat Sheet
recommends (19 MiB of memory, 2 passes, 1 lane).

Argon2id is memory-hard: each guess costs an attacker 19 MiB as well as time, which a GPU or
dedicated hardware does not cut down as it does PBKDF2's iterations, while a sign-in costs the
server about a tenth of the CPU time of Django's PBKDF2 default (1,000,000 iterations) and a
bounded amount of memory per concurrent sign-in. The hashes stored before (PBKDF2) still verify
and are rewritten as Argon2id at the person's next sign-in (Django's hasher upgrade).
"""

from django.contrib.auth.hashers import Argon2PasswordHasher


class PortalArgon2PasswordHasher(Argon2PasswordHasher):
    time_cost = 2
    memory_cost = 19 * 1024  # KiB
    parallelism = 1

"""Django's PBKDF2 hasher with few iterations, for tests only: the same code path, a fraction of the time."""

from django.contrib.auth.hashers import PBKDF2PasswordHasher


class FastPBKDF2PasswordHasher(PBKDF2PasswordHasher):
    iterations = 1000

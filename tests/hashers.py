"""Argon2 with a tiny cost, so the suite runs fast and the Argon2 check stays satisfied."""

from django.contrib.auth.hashers import Argon2PasswordHasher


class FastArgon2PasswordHasher(Argon2PasswordHasher):
    time_cost = 1
    memory_cost = 64
    parallelism = 1


class WatchedArgon2PasswordHasher(FastArgon2PasswordHasher):
    """Record, at each hash, whether a transaction (and so maybe a row lock) is open."""

    encoded_in_transaction: list[bool] = []

    def encode(self, password, salt):
        from django.db import connection

        self.encoded_in_transaction.append(connection.in_atomic_block)
        return super().encode(password, salt)


class CountingArgon2PasswordHasher(FastArgon2PasswordHasher):
    """Count the hashes computed (to store or to verify): unknown emails cost one too."""

    hashes = 0

    def encode(self, password, salt):
        type(self).hashes += 1
        return super().encode(password, salt)

    def verify(self, password, encoded):
        type(self).hashes += 1
        return super().verify(password, encoded)

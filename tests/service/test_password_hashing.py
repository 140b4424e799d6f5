"""The service hashes passwords with argon2id at argon2's recommended cost (the tests' own
process uses a cheaper one: see tests/conftest.py), and a weaker hash is made again at sign-in."""

from __future__ import annotations

import argon2
from argon2 import PasswordHasher, Type

from tests.conftest import SERVICE_HASHER


def test_the_service_hashes_with_argon2id_at_the_recommended_cost():
    params = argon2.extract_parameters(SERVICE_HASHER.hash("a password for the test"))
    assert params.type is Type.ID
    assert params.time_cost >= argon2.DEFAULT_TIME_COST
    assert params.memory_cost >= argon2.DEFAULT_MEMORY_COST
    assert params.parallelism >= 1


def test_a_hash_made_at_a_lower_cost_is_made_again():
    cheap = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1).hash("old")
    assert SERVICE_HASHER.check_needs_rehash(cheap)
    assert not SERVICE_HASHER.check_needs_rehash(SERVICE_HASHER.hash("new"))

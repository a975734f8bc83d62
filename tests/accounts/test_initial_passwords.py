"""Initial passwords are printed on slips and typed by children: policy-conform, no look-alikes."""

from __future__ import annotations

from eduplatform.accounts.passwords import password_problems
from eduplatform.accounts.services import generate_initial_password


def test_initial_passwords_meet_the_policy_and_avoid_look_alikes(app):
    passwords = {generate_initial_password() for _ in range(300)}
    assert len(passwords) == 300
    for password in passwords:
        assert password_problems(password) == []
        assert not set(password) & set("0O o1lI")

"""Argon2id parameters are settings: a hash made with other parameters is upgraded at
the account's next successful login, and only then (the password is needed)."""
from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import VerifyMismatchError

from idp.accounts.models import Account
from idp.extensions import db


def stored_hash(app, email="erika@example.org") -> str:
    with app.app_context():
        return db.session.query(Account).filter_by(email_normalized=email).one().password_hash


def test_hash_with_old_parameters_is_upgraded_at_next_login(app, user_agent, make_account):
    make_account()
    old = PasswordHasher(time_cost=3, memory_cost=2048, parallelism=2).hash("ABab1234")
    with app.app_context():
        db.session.query(Account).update({"password_hash": old})
        db.session.commit()

    # A failed login changes nothing.
    user_agent.login(password="falsch-1234")
    assert stored_hash(app) == old

    r = user_agent.login()
    assert r.status_code in (302, 303)
    upgraded = stored_hash(app)
    settings = app.config["SERVICEKONTO"]
    assert upgraded != old
    assert f"m={settings.argon2_memory_cost},t={settings.argon2_time_cost},p={settings.argon2_parallelism}" in upgraded
    PasswordHasher().verify(upgraded, "ABab1234")
    try:
        PasswordHasher().verify(upgraded, "falsch-1234")
    except VerifyMismatchError:
        pass
    else:
        raise AssertionError("the upgraded hash accepts a wrong password")
    # Logging in again keeps the hash as it is.
    user_agent.login()
    assert stored_hash(app) == upgraded


def test_each_application_keeps_its_own_cost(app, tmp_path):
    """A second application in the process (another state's instance, a test) has
    its own parameters and does not change the first one's."""
    import dataclasses

    from idp import create_app
    from idp.accounts.passwords import hash_password

    other = create_app(dataclasses.replace(app.config["SERVICEKONTO"], argon2_memory_cost=2048, argon2_time_cost=2,
                                           keys_dir=tmp_path / "keys"))
    with other.app_context():
        assert "m=2048,t=2," in hash_password("ABab1234")
    settings = app.config["SERVICEKONTO"]
    with app.app_context():
        assert f"m={settings.argon2_memory_cost},t={settings.argon2_time_cost}," in hash_password("ABab1234")

"""The `servicekonto` command (SPEC §8)."""
from __future__ import annotations

import json
import sys
import time

import click

from . import create_app
from .config import Settings


def _app():
    app = create_app()
    ctx = app.app_context()
    ctx.push()
    return app


@click.group()
def main():
    """Servicekonto identity provider."""


# -- clients -----------------------------------------------------------------------------
@main.group()
def clients():
    """Online services (OIDC clients)."""


@clients.command("add")
@click.option("--name", required=True)
@click.option("--redirect-uri", "redirect_uris", multiple=True, required=True)
@click.option("--min-loa", default="niedrig", type=click.Choice(["niedrig", "substanziell", "hoch"]))
@click.option("--post-logout-redirect-uri", "post_logout", multiple=True)
@click.option("--backchannel-logout-uri")
@click.option("--public", is_flag=True, help="A client without secret (PKCE required).")
@click.option("--id-token-alg", default="ES256", type=click.Choice(["ES256", "RS256"]))
def clients_add(name, redirect_uris, min_loa, post_logout, backchannel_logout_uri, public, id_token_alg):
    from .clients import ClientError, add_client, describe

    _app()
    try:
        client, secret = add_client(name, list(redirect_uris), min_loa, public, list(post_logout),
                                    backchannel_logout_uri, id_token_alg)
    except ClientError as exc:
        raise click.UsageError(str(exc)) from exc
    out = describe(client)
    if secret:
        out["client_secret"] = secret
    click.echo(json.dumps(out, indent=2))


@clients.command("list")
def clients_list():
    from .clients import describe, list_clients

    _app()
    click.echo(json.dumps([describe(c) for c in list_clients()], indent=2))


@clients.command("remove")
@click.argument("client_id")
def clients_remove(client_id):
    from .clients import remove_client

    _app()
    if not remove_client(client_id):
        raise click.ClickException(f"no client {client_id}")
    click.echo(f"removed {client_id}")


# -- accounts -----------------------------------------------------------------------------
@main.group()
def accounts():
    """Citizen and staff accounts."""


@accounts.command("role")
@click.argument("email")
@click.option("--grant", type=click.Choice(["meldebehoerde"]), help="Give the account a staff role.")
@click.option("--revoke", is_flag=True, help="Take the staff role away.")
def accounts_role(email, grant, revoke):
    """Give or take the staff role of the account with EMAIL."""
    from sqlalchemy import select

    from .accounts.models import Account
    from .accounts.policy import normalize_email
    from .extensions import db

    if bool(grant) == revoke:
        raise click.UsageError("give either --grant ROLE or --revoke")
    _app()
    account = db.session.scalar(select(Account).where(Account.email_normalized == normalize_email(email),
                                                      Account.status == "active"))
    if account is None:
        raise click.ClickException(f"no active account {email}")
    account.role = None if revoke else grant
    db.session.commit()
    click.echo(f"{email}: {account.role or 'no role'}")


# -- keys ----------------------------------------------------------------------------------
@main.group()
def keys():
    """Signing keys."""


def _keystore():
    from .keys import KeyStore

    return KeyStore(Settings.from_env().keys_dir)


@keys.command("rotate")
def keys_rotate():
    store = _keystore()
    store.ensure()
    for info in store.rotate():
        click.echo(f"{info.status:9} {info.alg} {info.kid}")


@keys.command("list")
def keys_list():
    store = _keystore()
    store.ensure()
    for info in store.list():
        click.echo(f"{info.status:9} {info.alg} {info.kid} {info.created}")


# -- database, purge, mail ----------------------------------------------------------------
@main.group()
def db():
    """Database schema."""


@db.command("upgrade")
def db_upgrade():
    from .migrate import upgrade

    app = _app()
    upgrade(app)
    click.echo("database is up to date")


@main.command()
def purge():
    """Delete what has expired: unactivated accounts, old links, sessions, tokens, mails."""
    from .maintenance import purge_expired

    _app()
    for what, count in purge_expired().items():
        click.echo(f"{what}: {count}")


@main.group()
def mail():
    """The outbox."""


@mail.command("send")
@click.option("--loop", is_flag=True, help="Keep delivering every 10 s (development).")
def mail_send(loop):
    from .mail import deliver_due

    app = _app()
    settings = app.config["SERVICEKONTO"]
    if not settings.smtp_url:
        click.echo("SMTP_URL is not set: mails stay in the outbox")
        return
    while True:
        sent = deliver_due(settings.smtp_url, settings.mail_from)
        click.echo(f"sent {sent}")
        if not loop:
            return
        time.sleep(10)


@main.command()
@click.option("--port", default=5000)
@click.option("--demo-port", default=5001)
def dev(port, demo_port):
    """Run the IdP and the demo online service for development."""
    from .devserver import run

    sys.exit(run(port, demo_port))

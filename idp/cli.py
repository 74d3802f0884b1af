"""The `servicekonto` command (SPEC §8)."""
from __future__ import annotations

import json
import sys
import time

import click

from . import create_app
from .config import Settings


def _app():
    from .audit.record import Source, set_source

    app = create_app()
    ctx = app.app_context()
    ctx.push()
    # What a command changes is audited as the operator's command-line work.
    set_source(Source(actor="cli"))
    return app


@click.group()
def main():
    """Servicekonto identity provider."""


# -- clients -----------------------------------------------------------------------------
@main.group()
def clients():
    """Online services (OIDC clients)."""


def _catalogue_options(command):
    """The catalogue entry (SPEC §5), the same on `clients add` and `clients catalogue`."""
    options = [
        click.option("--description", help="What the service does, for the catalogue \"Online-Dienste\"."),
        click.option("--authority", help="The responsible authority (Behörde) named in the catalogue."),
        click.option("--start-url", help="Where \"Hier starten\" leads: the service's start page "
                                         "(https; http only on 127.0.0.1/localhost)."),
        click.option("--keyword", "keywords", multiple=True, help="A search word for the catalogue (repeatable)."),
        click.option("--fees", help="A note on fees (Gebühren), e.g. \"26 Euro, zahlbar online\"."),
        click.option("--catalogue/--no-catalogue", "listed", default=None,
                     help="Whether the catalogue lists the service (default: listed once it has a start URL)."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


@clients.command("add")
@click.option("--name", required=True)
@click.option("--redirect-uri", "redirect_uris", multiple=True,
              help="Required with the authorization_code grant (repeatable).")
@click.option("--min-loa", default="niedrig", type=click.Choice(["niedrig", "substanziell", "hoch"]))
@click.option("--post-logout-redirect-uri", "post_logout", multiple=True)
@click.option("--backchannel-logout-uri")
@click.option("--public", is_flag=True, help="A client without secret (PKCE required).")
@click.option("--id-token-alg", default="ES256", type=click.Choice(["ES256", "RS256"]))
@click.option("--audience", default="citizens", type=click.Choice(["citizens", "organisations", "both"]),
              help="Who may use the service: citizens, organisations (Servicekonto Business) or both.")
@click.option("--role", "roles", multiple=True, help="A role organisations can give their users (repeatable).")
@click.option("--approval", default="auto", type=click.Choice(["auto", "leitstelle"]),
              help="Organisations' subscriptions: active at once, or after the Fachliche Leitstelle approves.")
@click.option("--token-endpoint-auth-method", "auth_method",
              type=click.Choice(["client_secret_basic", "client_secret_post", "private_key_jwt", "none"]),
              help="How the service authenticates at /token (default: none with --public, else client_secret_basic).")
@click.option("--jwks", "jwks_file", type=click.File("r"), help="private_key_jwt: a file with the public JWKS.")
@click.option("--jwks-uri", help="private_key_jwt: where the service publishes its public JWKS.")
@click.option("--require-par", is_flag=True, help="Accept authorization requests only through /par (RFC 9126).")
@click.option("--dpop", is_flag=True, help="Tokens only with a DPoP proof and server nonce (RFC 9449).")
@click.option("--grant", "grants", multiple=True, type=click.Choice(["authorization_code", "client_credentials"]),
              help="A grant the service may use (repeatable; default authorization_code, which includes "
                   "refresh_token). client_credentials: service-to-service scopes only.")
@click.option("--userinfo-signed-response-alg", "userinfo_alg", type=click.Choice(["ES256", "RS256"]),
              help="/userinfo answers a JWT (application/jwt) signed with this algorithm instead of JSON.")
@_catalogue_options
def clients_add(name, redirect_uris, min_loa, post_logout, backchannel_logout_uri, public, id_token_alg,
                audience, roles, approval, auth_method, jwks_file, jwks_uri, require_par, dpop, grants,
                userinfo_alg, description, authority, start_url, keywords, fees, listed):
    from .clients import ClientError, add_client, describe

    _app()
    try:
        jwks = json.load(jwks_file) if jwks_file else None
    except ValueError as exc:
        raise click.UsageError(f"--jwks is not JSON: {exc}") from exc
    try:
        client, secret = add_client(name, list(redirect_uris), min_loa, public, list(post_logout),
                                    backchannel_logout_uri, id_token_alg, audience=audience, roles=list(roles),
                                    approval=approval, token_endpoint_auth_method=auth_method, jwks=jwks,
                                    jwks_uri=jwks_uri, require_par=require_par, dpop=dpop, grants=list(grants),
                                    userinfo_alg=userinfo_alg,
                                    catalogue=dict(description=description, authority=authority,
                                                   start_url=start_url, keywords=list(keywords), fees=fees,
                                                   listed=listed))
    except ClientError as exc:
        raise click.UsageError(str(exc)) from exc
    out = describe(client)
    if secret:
        out["client_secret"] = secret
    click.echo(json.dumps(out, indent=2, ensure_ascii=False))


@clients.command("catalogue")
@click.argument("client_id")
@_catalogue_options
@click.option("--no-keywords", is_flag=True, help="Remove all keywords.")
def clients_catalogue(client_id, description, authority, start_url, keywords, fees, listed, no_keywords):
    """Change the catalogue entry of CLIENT_ID: only the options given change; an empty
    value (e.g. --fees "") removes a text, --keyword replaces all keywords."""
    from .clients import ClientError, change_catalogue, describe

    if keywords and no_keywords:
        raise click.UsageError("give either --keyword or --no-keywords")
    given = dict(description=description, authority=authority, start_url=start_url, fees=fees,
                 keywords=[] if no_keywords else (list(keywords) or None))
    _app()
    try:
        client = change_catalogue(client_id, {k: v for k, v in given.items() if v is not None}, listed)
    except ClientError as exc:
        raise click.UsageError(str(exc)) from exc
    if client is None:
        raise click.ClickException(f"no client {client_id}")
    click.echo(json.dumps(describe(client), indent=2, ensure_ascii=False))


@clients.command("registration-token")
@click.option("--expires-in", default=86400, show_default=True, type=click.IntRange(min=60),
              help="Seconds the token is valid.")
def clients_registration_token(expires_in):
    """An initial access token for dynamic registration at /register (RFC 7591 §3):
    it registers one online service, once."""
    from datetime import timedelta

    from .oidc.registration import issue_initial_token

    _app()
    token, expires = issue_initial_token(timedelta(seconds=expires_in))
    click.echo(json.dumps({"initial_access_token": token, "expires_at": expires.isoformat() + "Z"}, indent=2))


@clients.command("list")
def clients_list():
    from .clients import describe, list_clients

    _app()
    click.echo(json.dumps([describe(c) for c in list_clients()], indent=2, ensure_ascii=False))


@clients.command("disable")
@click.argument("client_id")
def clients_disable(client_id):
    """Refuse the service everywhere and revoke its tokens now."""
    _set_disabled(client_id, True)


@clients.command("enable")
@click.argument("client_id")
def clients_enable(client_id):
    _set_disabled(client_id, False)


def _set_disabled(client_id: str, disabled: bool) -> None:
    from .clients import set_disabled

    _app()
    if not set_disabled(client_id, disabled):
        raise click.ClickException(f"no client {client_id}")
    click.echo(f"{'disabled' if disabled else 'enabled'} {client_id}")


@clients.command("remove")
@click.argument("client_id")
def clients_remove(client_id):
    from .clients import remove_client

    _app()
    if not remove_client(client_id):
        raise click.ClickException(f"no client {client_id}")
    click.echo(f"removed {client_id}")


@clients.command("leitstelle")
@click.argument("client_id")
@click.option("--grant", "grant_email", metavar="EMAIL", help="Make the account a member of the Fachliche Leitstelle.")
@click.option("--revoke", "revoke_email", metavar="EMAIL", help="Take the account out of the Fachliche Leitstelle.")
def clients_leitstelle(client_id, grant_email, revoke_email):
    """Name who approves organisations' subscriptions of CLIENT_ID (--approval leitstelle)."""
    from .organisations import leitstelle

    if bool(grant_email) == bool(revoke_email):
        raise click.UsageError("give either --grant EMAIL or --revoke EMAIL")
    _app()
    try:
        if grant_email:
            leitstelle.grant(client_id, grant_email)
            click.echo(f"{grant_email}: member of the Fachliche Leitstelle of {client_id}")
        elif leitstelle.revoke(client_id, revoke_email):
            click.echo(f"{revoke_email}: no longer member of the Fachliche Leitstelle of {client_id}")
        else:
            click.echo(f"{revoke_email} was not a member of the Fachliche Leitstelle of {client_id}")
    except leitstelle.LeitstelleError as exc:
        raise click.ClickException(str(exc)) from exc


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
    from .accounts.staff import StaffError, set_role

    if bool(grant) == revoke:
        raise click.UsageError("give either --grant ROLE or --revoke")
    _app()
    try:
        account = set_role(email, None if revoke else grant)
    except StaffError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"{email}: {account.role or 'no role'}")


# -- operators ------------------------------------------------------------------------------
@main.group()
def operators():
    """Accounts that may use the operator console "Betrieb" (after an ID card login)."""


@operators.command("grant")
@click.argument("email")
def operators_grant(email):
    from .operations import operators as registry

    _app()
    try:
        registry.grant(email)
    except registry.OperatorError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"{email}: operator")


@operators.command("revoke")
@click.argument("email")
def operators_revoke(email):
    from .operations import operators as registry

    _app()
    try:
        was = registry.revoke(email)
    except registry.OperatorError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"{email}: no longer operator" if was else f"{email} was no operator")


@operators.command("list")
def operators_list():
    from .operations import operators as registry

    _app()
    for account in registry.all_operators():
        click.echo(account.email)


# -- keys ----------------------------------------------------------------------------------
@main.group()
def keys():
    """Signing keys."""


def _keystore():
    from .keys import KeyStore

    return KeyStore(Settings.from_env().keys_dir)


@keys.command("rotate")
def keys_rotate():
    from .keys import rotate_signing_keys

    # The app's store: created and ensured by the app, and the rotation is audited.
    store = _app().extensions["servicekonto.keys"]
    for info in rotate_signing_keys(store):
        click.echo(f"{info.status:9} {info.alg} {info.kid}")


@keys.command("list")
def keys_list():
    store = _keystore()
    store.ensure()
    for info in store.list():
        click.echo(f"{info.status:9} {info.alg} {info.kid} {info.created}")


# -- federation ----------------------------------------------------------------------------
@main.group()
def partners():
    """Other states' Servicekonten this IdP federates with (TR-03160-2)."""


@partners.command("add")
@click.option("--name", required=True, help="Shown to citizens, e.g. \"Land B\".")
@click.option("--protocol", default="saml", type=click.Choice(["saml", "oidc"]))
@click.option("--metadata", "source", required=True,
              help="SAML metadata or OIDC discovery: an https URL (http on 127.0.0.1) or a file.")
@click.option("--max-loa", required=True, type=click.Choice(["niedrig", "substanziell", "hoch"]),
              help="The highest level this IdP trusts the partner for.")
@click.option("--client-id", help="OIDC: this IdP's client ID at the partner.")
# A file, not the value: a secret on the command line stays in the shell's history
# and shows in the process list.
@click.option("--client-secret-file", type=click.File("r"),
              help="OIDC: a file holding this IdP's client secret at the partner (- reads standard input).")
@click.option("--metadata-cert", type=click.File("rb"),
              help="SAML: PEM certificate whose signature the metadata must carry (on add and every refresh).")
@click.option("--disabled", is_flag=True)
def partners_add(name, protocol, source, max_loa, client_id, client_secret_file, metadata_cert, disabled):
    from federation import partners as registry

    from .loa import Level

    client_secret = client_secret_file.read().strip() if client_secret_file else None
    _app()
    try:
        partner = registry.add(name, protocol, source, Level.from_word(max_loa), client_id=client_id,
                               client_secret=client_secret, enabled=not disabled,
                               metadata_signer=metadata_cert.read() if metadata_cert else None)
    except registry.PartnerError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(json.dumps(registry.describe(partner), indent=2, ensure_ascii=False))


@partners.command("list")
def partners_list():
    from federation import partners as registry

    _app()
    click.echo(json.dumps([registry.describe(p) for p in registry.all_partners()], indent=2, ensure_ascii=False))


def _partner(key):
    from federation import partners as registry

    _app()
    partner = registry.find(key)
    if partner is None:
        raise click.ClickException(f"no partner {key}")
    return registry, partner


@partners.command("remove")
@click.argument("partner")
def partners_remove(partner):
    """Remove a partner (by ID, entity ID/issuer or name) and its account links."""
    registry, found = _partner(partner)
    registry.remove(found)
    click.echo(f"removed {found.entity_id}")


@partners.command("refresh")
@click.argument("partner", required=False)
@click.option("--all", "every", is_flag=True, help="Every partner (daily, e.g. from cron: metadata expire).")
def partners_refresh(partner, every):
    """Fetch a partner's metadata again from where it came from."""
    from federation import partners as registry

    _app()
    if every == bool(partner):
        raise click.UsageError("name one partner or --all")
    failed = False
    for found in registry.all_partners() if every else [_partner(partner)[1]]:
        try:
            registry.refresh(found)
        except registry.PartnerError as exc:
            failed = True
            click.echo(f"{found.entity_id}: {exc}", err=True)
        else:
            click.echo(json.dumps(registry.describe(found), indent=2, ensure_ascii=False))
    if failed:
        sys.exit(1)


@partners.command("enable")
@click.argument("partner")
def partners_enable(partner):
    registry, found = _partner(partner)
    registry.set_enabled(found, True)
    click.echo(f"enabled {found.entity_id}")


@partners.command("disable")
@click.argument("partner")
def partners_disable(partner):
    registry, found = _partner(partner)
    registry.set_enabled(found, False)
    click.echo(f"disabled {found.entity_id}")


@main.group()
def federation():
    """This IdP as a federation partner."""


@federation.command("metadata")
def federation_metadata():
    """Print this IdP's signed SAML metadata (also at /saml/metadata)."""
    from flask import current_app

    _app()
    sys.stdout.buffer.write(current_app.extensions["servicekonto.federation"].metadata())


@federation.group("keys")
def federation_keys():
    """This IdP's SAML key pairs and their rollover: announce, (partners refresh
    our metadata), activate, (a while later) retire."""


def _saml_credentials():
    from federation.credentials import SamlCredentials

    # A running server notices the changed files by itself.
    settings = Settings.from_env()
    return SamlCredentials(settings.keys_dir, settings.display_name)


def _audited_step(step: str):
    """A rollover step that changes the keys: the app is needed for the audit log."""
    from federation.credentials import roll_over

    _app()
    credentials = _saml_credentials()
    return lambda: roll_over(credentials, step)


def _echo_pairs(pairs) -> None:
    for stored in pairs:
        not_after = stored.not_after.strftime("%Y-%m-%dT%H:%M:%SZ")
        click.echo(f"{stored.use:10} {stored.state:8} {stored.fingerprint}  not after {not_after}")


def _rollover(step):
    from federation.credentials import RolloverError

    try:
        return step()
    except RolloverError as exc:
        raise click.ClickException(str(exc)) from exc
    except ValueError as exc:
        raise click.ClickException(f"unusable SAML key files: {exc}") from exc


@federation_keys.command("list")
def federation_keys_list():
    """Each pair: use, state (current/next/previous), SHA-256 fingerprint, expiry."""
    credentials = _saml_credentials()
    _echo_pairs(_rollover(credentials.keys).pairs)


@federation_keys.command("announce")
def federation_keys_announce():
    """Create the next signing and encryption pairs and publish them in our metadata."""
    keys = _rollover(_audited_step("announce"))
    _echo_pairs(p for p in keys.pairs if p.state == "next")
    click.echo("Announced. Our metadata now lists the next certificates; we still sign with the current key.\n"
               "Run `servicekonto federation keys activate` only after every partner has refreshed our "
               "metadata (`partners refresh`, daily).")


@federation_keys.command("activate")
def federation_keys_activate():
    """Sign with the next pair from now on; the current one becomes previous."""
    keys, dropped = _rollover(_audited_step("activate"))
    for stored in dropped:
        click.echo(f"dropped the older previous {stored.use} pair {stored.fingerprint}")
    _echo_pairs(keys.pairs)
    click.echo("Activated: we sign with the new key. A partner whose snapshot of our metadata predates "
               "`announce` cannot verify our messages until it refreshes it.\n"
               "The previous pairs stay published and still decrypt; "
               "`servicekonto federation keys retire` removes them.")


@federation_keys.command("retire")
def federation_keys_retire():
    """Delete the previous pairs (no longer published, no longer decrypting)."""
    keys, retired = _rollover(_audited_step("retire"))
    for stored in retired:
        click.echo(f"retired {stored.use} pair {stored.fingerprint}")
    _echo_pairs(keys.pairs)


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


@main.command()
@click.option("--account", "email", metavar="EMAIL", help="Events of this account (or naming this address).")
@click.option("--since", type=click.DateTime(formats=["%Y-%m-%d", "%Y-%m-%dT%H:%M"]),
              help="From this day or minute on (UTC).")
@click.option("--event", help='An event ("login.failed") or a kind of events ("login.").')
@click.option("--limit", default=100, show_default=True, type=click.IntRange(min=1))
def audit(email, since, event, limit):
    """Read the audit log, newest first."""
    from .audit import label
    from .audit.search import Query, search

    _app()
    for entry in search(Query(email=email, since=since, event=event), limit=limit):
        who = " ".join(f"{name}={value}" for name, value in (
            ("account", entry.account_id), ("organisation", entry.organisation_id), ("client", entry.client_id),
            ("by", entry.actor), ("email", entry.email), ("from", entry.address)) if value is not None)
        details = " ".join(f"{name}={value}" for name, value in sorted(entry.details.items()))
        outcome = "" if entry.succeeded else " [abgelehnt]"
        click.echo(f"{entry.at:%Y-%m-%d %H:%M:%S} {entry.event} ({label(entry.event)}){outcome} {who} {details}"
                   .rstrip())


@main.group()
def mail():
    """The outbox."""


@mail.command("send")
@click.option("--loop", is_flag=True, help="Keep delivering (its own process in production).")
@click.option("--interval", type=click.FloatRange(min=0.1), default=10.0, show_default=True,
              help="Seconds between two rounds with --loop.")
def mail_send(loop, interval):
    """Deliver the outbox: queued mail and back-channel logout notices."""
    from .observability import logs
    from .worker import OutboxWorker

    logs.configure()  # the same JSON lines as the web workers
    app = _app()
    if not app.config["SERVICEKONTO"].smtp_url:
        click.echo("SMTP_URL is not set: mails stay in the outbox")
    worker = OutboxWorker(app)
    while True:
        click.echo(f"sent {worker.run_once()}")
        if not loop:
            return
        time.sleep(interval)


@main.command()
@click.option("--port", default=5000)
@click.option("--demo-port", default=5001)
def dev(port, demo_port):
    """Run the IdP and the demo online service for development."""
    from .devserver import run

    sys.exit(run(port, demo_port))

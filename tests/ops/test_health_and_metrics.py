"""Observability (issue #14): /healthz and /readyz for the load balancer, /metrics for
Prometheus from the configured networks only, counted across worker processes."""
from __future__ import annotations

from datetime import timedelta

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from idp import timeutil
from idp.authn import eid
from idp.extensions import db
from idp.mail import deliver_due, queue_mail
from tests.conftest import free_port
from tests.support.flows import refresh, tokens

OUTSIDER = "198.51.100.23"


def samples(text: str) -> dict:
    return {(sample.name, frozenset(sample.labels.items())): sample.value
            for family in text_string_to_metric_families(text) for sample in family.samples}


def scrape(application, address: str = "127.0.0.1") -> dict:
    answer = application.test_client().get("/metrics", environ_base={"REMOTE_ADDR": address})
    assert answer.status_code == 200 and answer.mimetype == "text/plain"
    return samples(answer.text)


def value(scraped: dict, name: str, **labels) -> float:
    return scraped.get((name, frozenset(labels.items())), 0.0)


def test_alive_and_ready(user_agent):
    alive = user_agent.get("/healthz")
    assert alive.status_code == 200 and alive.json == {"status": "ok"}
    ready = user_agent.get("/readyz")
    assert ready.status_code == 200
    assert ready.json == {"status": "ok", "checks": {"database": "ok", "keys": "ok"}}


def test_not_ready_without_the_database(variant_app):
    nowhere = variant_app(database_url=f"postgresql+psycopg://servicekonto@127.0.0.1:{free_port()}/none")
    client = nowhere.test_client()
    ready = client.get("/readyz")
    assert ready.status_code == 503
    assert ready.json == {"status": "unavailable", "checks": {"database": "failed", "keys": "ok"}}
    assert client.get("/healthz").status_code == 200  # alive all the same: no restart would help


def test_not_ready_without_signing_keys(variant_app, tmp_path):
    broken = variant_app(keys_dir=tmp_path / "keys")
    for pem in (tmp_path / "keys").glob("*256-*.pem"):
        pem.unlink()
    ready = broken.test_client().get("/readyz")
    assert ready.status_code == 503 and ready.json["checks"] == {"database": "ok", "keys": "failed"}


def test_metrics_only_for_the_configured_networks(app, variant_app):
    assert scrape(app, "127.0.0.1") and scrape(app, "::1") and scrape(app, "::ffff:127.0.0.1")
    assert app.test_client().get("/metrics", environ_base={"REMOTE_ADDR": OUTSIDER}).status_code == 404

    monitoring = variant_app(metrics_networks=("10.20.0.0/16",))
    assert scrape(monitoring, "10.20.3.4")
    for address in ("127.0.0.1", "10.21.0.1", OUTSIDER):
        answer = monitoring.test_client().get("/metrics", environ_base={"REMOTE_ADDR": address})
        assert answer.status_code == 404


def test_metrics_networks_must_be_networks():
    from idp.config import Settings

    assert Settings.from_env({"SERVICEKONTO_METRICS_NETWORKS": "10.0.0.0/8, fd00::/8"}).metrics_networks == (
        "10.0.0.0/8", "fd00::/8")
    with pytest.raises(ValueError, match="SERVICEKONTO_METRICS_NETWORKS"):
        Settings.from_env({"SERVICEKONTO_METRICS_NETWORKS": "monitoring.example"})


def test_logins_tokens_and_errors_are_counted(app, user_agent, make_account, make_client):
    make_account()
    rp = make_client()
    before = scrape(app)
    user_agent.login()
    issued = tokens(user_agent, rp)
    assert refresh(user_agent, rp, issued["refresh_token"]).status_code == 200
    assert user_agent.get("/userinfo").status_code == 401
    assert user_agent.get("/gibt-es-nicht").status_code == 404
    after = scrape(app)

    def grew(name, **labels):
        return value(after, name, **labels) - value(before, name, **labels)

    assert grew("servicekonto_logins_total", method="password", level="niedrig") == 1
    assert grew("servicekonto_tokens_issued_total", grant_type="authorization_code") == 1
    assert grew("servicekonto_tokens_issued_total", grant_type="refresh_token") == 1
    assert grew("servicekonto_http_errors_total", endpoint="oidc.userinfo", status="401") == 1
    assert grew("servicekonto_http_errors_total", endpoint="(unmatched)", status="404") == 1


def test_the_outbox_is_measured_when_scraped(app, mail_worker_stopped, mailbox):
    assert value(scrape(app), "servicekonto_outbox_waiting") == 0
    with app.app_context():
        queue_mail("erika@example.org", "Eins", "1")
        queue_mail("max@example.org", "Zwei", "2")
        db.session.commit()
    timeutil.travel(timedelta(seconds=90))
    waiting = scrape(app)
    assert value(waiting, "servicekonto_outbox_waiting") == 2
    assert 90 <= value(waiting, "servicekonto_outbox_oldest_waiting_seconds") < 120
    settings = app.config["SERVICEKONTO"]
    with app.app_context():
        assert deliver_due(settings.smtp_url, settings.mail_from) == 2
    delivered = scrape(app)
    assert value(delivered, "servicekonto_outbox_waiting") == 0
    assert value(delivered, "servicekonto_outbox_oldest_waiting_seconds") == 0


def test_round_trips_to_the_eid_server_and_partner_states_are_timed(app, live_server):
    from federation import partners

    before = scrape(app)
    with app.test_request_context():
        eid.start(eid.Purpose.LOGIN, lambda tx_id: f"{live_server}/tc-token/{tx_id}")
        partners.fetch(live_server + "/saml/metadata")
    after = scrape(app)
    for name, label in (("servicekonto_eid_server_seconds", {"operation": "useID"}),
                        ("servicekonto_federation_seconds", {"call": "metadata"})):
        assert value(after, name + "_count", **label) - value(before, name + "_count", **label) == 1
        assert value(after, name + "_sum", **label) > value(before, name + "_sum", **label)


def test_metrics_add_up_over_the_worker_processes(app, production_server, make_account, tmp_path):
    # The directory the operator named is the only one: none is made besides it.
    assert not list((tmp_path / "tmp").glob("servicekonto-metrics-*"))
    make_account()
    pids, logins = set(), 0
    while len(pids) < 2 and logins < 100:
        browser = requests.Session()
        page, _ = production_server.request(browser, "GET", "/anmelden")
        token = page.text.split('name="csrf_token" value="')[1].split('"')[0]
        answer, pid = production_server.request(browser, "POST", "/anmelden", data={
            "email": "erika@example.org", "password": "ABab1234", "csrf_token": token})
        assert answer.status_code == 302
        pids.add(pid)
        logins += 1
    assert len(pids) == 2
    scraped = samples(requests.get(production_server.url + "/metrics", timeout=10).text)
    assert value(scraped, "servicekonto_logins_total", method="password", level="niedrig") == logins

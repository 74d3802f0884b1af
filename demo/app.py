from __future__ import annotations

import secrets
from datetime import datetime, timezone

from authlib.integrations.flask_client import OAuth
from flask import Flask, abort, redirect, render_template_string, request, session, url_for

from .postfach import Api, PostfachError, reference_for

PAGE = """<!doctype html>
<html lang="de"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ title }} – Demo-Online-Dienst</title>
<style>
body{font-family:Arial,sans-serif;margin:0;color:#171a2b;line-height:1.5}
header{background:#1d5c3a;color:#fff;padding:1rem 1.25rem}
main{max-width:48rem;margin:0 auto;padding:1.5rem 1.25rem}
a,button{font:inherit}
.button{display:inline-block;background:#1d5c3a;color:#fff;border:0;padding:.6rem 1.2rem;border-radius:4px;text-decoration:none;cursor:pointer}
table{border-collapse:collapse}th,td{text-align:left;padding:.35rem 1rem .35rem 0;border-bottom:1px solid #8a8f9e}
.error{border-left:6px solid #a4001b;background:#fdecee;padding:.5rem 1rem}
.notice{border-left:6px solid #1d5c3a;background:#e8f3ec;padding:.5rem 1rem}
</style></head>
<body><header><p style="margin:0;font-weight:700">Demo-Online-Dienst: Anwohnerparkausweis</p></header>
<main>
<h1>{{ title }}</h1>
{% if error %}<div class="error" role="alert"><p>Die Anmeldung wurde nicht abgeschlossen: <code>{{ error }}</code>{% if description %} – {{ description }}{% endif %}</p></div>{% endif %}
{% if claims %}
<p>Sie sind angemeldet. Diese Daten hat der Online-Dienst vom Servicekonto erhalten:</p>
{% if userinfo.organisation %}
<h2>Organisation</h2>
<dl id="organisation">
<dt>Name</dt><dd data-organisation="name">{{ userinfo.organisation.name }}</dd>
{% if userinfo.organisation.legal_form %}<dt>Rechtsform</dt><dd data-organisation="legal_form">{{ userinfo.organisation.legal_form }}</dd>{% endif %}
<dt>Rollen für diesen Online-Dienst</dt><dd data-organisation="roles">{{ userinfo.roles|join(", ") if userinfo.roles else "keine zusätzlichen Rollen" }}</dd>
</dl>
{% endif %}
<h2>ID-Token</h2>
<table id="id-token"><tbody>{% for k, v in claims.items() %}<tr><th scope="row">{{ k }}</th><td data-claim="{{ k }}">{{ v }}</td></tr>{% endfor %}</tbody></table>
<h2>Userinfo</h2>
<table id="userinfo"><tbody>{% for k, v in userinfo.items() %}<tr><th scope="row">{{ k }}</th><td data-claim="{{ k }}">{{ v }}</td></tr>{% endfor %}</tbody></table>
<h2>Postfach</h2>
<p>Der Online-Dienst kann Ihnen den Bescheid in Ihr Postfach beim Servicekonto senden.</p>
{% if postfach_notice %}<div class="notice" role="status"><p>{{ postfach_notice }}</p></div>{% endif %}
{% if postfach_error %}<div class="error" role="alert"><p>Das Postfach hat die Nachricht nicht angenommen: {{ postfach_error }}</p></div>{% endif %}
<form method="post" action="{{ url_for('send_to_postfach') }}"><input type="hidden" name="csrf" value="{{ csrf }}">
<p><button class="button" type="submit">Nachricht ins Postfach senden</button></p></form>
{% if replies is not none %}
<h3>Ihre Antworten aus dem Postfach</h3>
{% if replies %}<table id="antworten"><thead><tr><th scope="col">Gesendet am</th><th scope="col">Betreff</th><th scope="col">Text</th></tr></thead>
<tbody>{% for r in replies %}<tr><td>{{ r.gesendet_am }}</td><td>{{ r.betreff }}</td><td>{{ r.text }}</td></tr>{% endfor %}</tbody></table>
{% else %}<p>Noch keine Antworten.</p>{% endif %}
{% endif %}
<form method="post" action="{{ url_for('logout') }}"><input type="hidden" name="csrf" value="{{ csrf }}">
<p><button class="button" type="submit">Beim Online-Dienst abmelden</button></p></form>
{% else %}
<p>Beantragen Sie Ihren Anwohnerparkausweis online. Melden Sie sich dazu mit Ihrem Servicekonto an.</p>
<div class="notice" id="ueber-die-demo"><p><strong>Was Sie hier sehen:</strong> einen Online-Dienst der Verwaltung, wie ihn
eine Behörde betreibt. Er kennt weder Ihr Passwort noch Ihre Daten: Er schickt Sie zum Servicekonto, Sie melden
sich dort an (mit Passwort, mit der Online-Ausweisfunktion oder als Organisation mit ELSTER) und entscheiden, welche
Daten er erhält. Danach zeigt diese Seite, was angekommen ist: das Vertrauensniveau der Anmeldung
(<code>loa</code>: niedrig, substanziell oder hoch), eine nur für diesen Dienst gültige Kennung (<code>sub</code>)
und die freigegebenen Daten. Der Dienst kann Ihnen außerdem einen Bescheid in Ihr Postfach senden.</p></div>
<p><a class="button" href="{{ url_for('login') }}">Mit Servicekonto anmelden</a></p>
<p><a href="{{ url_for('login', acr='hoch') }}">Anmelden mit Vertrauensniveau „hoch“</a></p>
{% endif %}
</main></body></html>"""


def create_demo_app(issuer: str, client_id: str, client_secret: str, base_url: str) -> Flask:
    app = Flask(__name__)
    app.config.update(SECRET_KEY=secrets.token_urlsafe(32), SESSION_COOKIE_NAME="demo_session")
    oauth = OAuth(app)
    oauth.register(
        "servicekonto",
        client_id=client_id,
        client_secret=client_secret,
        server_metadata_url=issuer + "/.well-known/openid-configuration",
        client_kwargs={"scope": "openid profile email organisation", "code_challenge_method": "S256"},
    )

    def page(title, **kw):
        return render_template_string(PAGE, title=title, **kw)

    def postfach_api() -> Api:
        metadata = oauth.servicekonto.load_server_metadata()
        return Api(issuer, metadata["token_endpoint"], client_id, client_secret)

    def postfach_replies() -> tuple[list[dict] | None, str | None]:
        # Asked only once the user had a message from the demo: before, there is no Vorgang.
        if "postfach_since" not in session:
            return None, None
        try:
            return postfach_api().replies(reference_for(session["claims"]["sub"]), session["postfach_since"]), None
        except PostfachError as exc:
            return None, str(exc)

    @app.route("/")
    def index():
        replies, problem = postfach_replies() if session.get("claims") else (None, None)
        return page("Anwohnerparkausweis", claims=session.get("claims"), userinfo=session.get("userinfo"),
                    csrf=session.setdefault("csrf", secrets.token_urlsafe(16)),
                    error=request.args.get("error"), description=request.args.get("error_description"),
                    postfach_notice=session.pop("postfach_notice", None),
                    postfach_error=session.pop("postfach_error", None) or problem, replies=replies)

    @app.route("/postfach", methods=["POST"])
    def send_to_postfach():
        if request.form.get("csrf") != session.get("csrf") or not session.get("claims"):
            abort(400)
        sub = session["claims"]["sub"]
        try:
            postfach_api().send(sub, reference_for(sub), (session.get("userinfo") or {}).get("given_name"))
        except PostfachError as exc:
            session["postfach_error"] = str(exc)
        else:
            session.setdefault("postfach_since", datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"))
            session["postfach_notice"] = "Die Nachricht mit dem Bescheid liegt jetzt in Ihrem Postfach."
        return redirect(url_for("index"))

    @app.route("/login")
    def login():
        extra = {}
        if request.args.get("acr") == "hoch":
            extra["acr_values"] = "http://eidas.europa.eu/LoA/high"
        return oauth.servicekonto.authorize_redirect(base_url + url_for("callback"), **extra)

    @app.route("/callback")
    def callback():
        if request.args.get("error"):
            return redirect(url_for("index", error=request.args["error"],
                                    error_description=request.args.get("error_description", "")))
        if request.args.get("iss") != issuer:
            abort(400, "wrong issuer in authorization response (RFC 9207)")
        token = oauth.servicekonto.authorize_access_token()
        session["claims"] = {k: v for k, v in token["userinfo"].items()}
        session["userinfo"] = dict(oauth.servicekonto.userinfo(token=token))
        session["id_token"] = token["id_token"]
        return redirect(url_for("index"))

    @app.route("/logout", methods=["POST"])
    def logout():
        if request.form.get("csrf") != session.get("csrf"):
            abort(400)
        id_token = session.get("id_token")
        session.clear()
        metadata = oauth.servicekonto.load_server_metadata()
        from urllib.parse import urlencode

        query = urlencode({"id_token_hint": id_token, "post_logout_redirect_uri": base_url + "/"})
        return redirect(f"{metadata['end_session_endpoint']}?{query}")

    return app

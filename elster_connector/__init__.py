"""ELSTER for organisations (SPEC §7, Mein Unternehmenskonto / NEZO): the SAML 2.0
service-provider side towards the ELSTER IdP, on the SAML core of `federation.saml`.

`sp` is the protocol (AuthnRequest out, Response in, our metadata), `attributes` the
ELSTER attribute names, `backend` the login back end, `logins` the trips in flight,
`views` the pages and endpoints, `app` the wiring; `simulator/` an ELSTER IdP for
development and tests. The rules about certificates and organisations are the
domain's (`idp.organisations.elster_links`).
"""

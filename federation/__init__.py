"""Federation with other states' Servicekonten (BSI TR-03160-2): SAML 2.0 and OIDC,
both as relying party (a login back end) and as asserting party (a front end).
Built in issue 5; the account core's `Identity` is the seam it plugs into."""

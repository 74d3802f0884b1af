"""A small online service that logs in through the IdP, for the demo and the browser
tests. It is an ordinary OIDC relying party (Authlib client), nothing more."""

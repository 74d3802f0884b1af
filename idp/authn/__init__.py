"""Authentication: login back ends, the account core that turns what a back end
proved into a session, and the sessions themselves.

Back ends (password now; eID, ELSTER and other states later) never create sessions
and the OIDC front end never calls a back end: both meet only in `core`.
"""

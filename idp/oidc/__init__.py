"""The OpenID Connect front end: speaks to online services (relying parties).

It never authenticates anybody itself: it reads the login session that the account
core made, and sends the browser to the login pages when that is not enough.
"""

"""Dynamic client registration (RFC 7591) and its management (RFC 7592) as an online
service calls them, through a Flask test client."""
from __future__ import annotations

CALLBACK = "http://127.0.0.1:9/callback"
METADATA = {"client_name": "Hundesteuer", "redirect_uris": [CALLBACK]}


def register(client, token, metadata=METADATA):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return client.post("/register", json=metadata, headers=headers)


def manage(client, method, registered, metadata=None, token="__registered__"):
    token = registered["registration_access_token"] if token == "__registered__" else token
    return client.open(registered["registration_client_uri"], method=method, json=metadata,
                       headers={"Authorization": f"Bearer {token}"})

"""Services in the catalogue, registered the way `servicekonto clients add` does."""
from __future__ import annotations

from idp.clients import add_client


def list_service(app, name: str, start_url: str = "https://dienst.example.de/start", **settings) -> str:
    """A client in the catalogue; `settings` are catalogue fields (description,
    authority, keywords, fees, listed) or client settings (min_loa, audience, ...).
    Returns its client ID."""
    catalogue_fields = ("description", "authority", "keywords", "fees", "listed")
    catalogue = {k: settings.pop(k) for k in catalogue_fields if k in settings}
    with app.app_context():
        client, _ = add_client(name, ["https://dienst.example.de/callback"], catalogue=dict(catalogue,
                                                                                            start_url=start_url),
                               **settings)
        return client.client_id

from alembic import context

from idp.extensions import db

config = context.config
app = config.attributes["flask_app"]


def _metadata():
    # Importing the models registers their tables on the metadata.
    import idp.accounts.models  # noqa: F401
    import idp.authn.sessions  # noqa: F401
    import idp.authn.throttle  # noqa: F401
    import idp.consent.releases  # noqa: F401
    import idp.mail.outbox  # noqa: F401
    import idp.oidc.models  # noqa: F401

    return db.metadata


with app.app_context():
    engine = db.engine
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=_metadata(),
                          render_as_batch=connection.dialect.name == "sqlite", compare_type=True)
        with context.begin_transaction():
            context.run_migrations()

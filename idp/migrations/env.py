from alembic import context

from idp.extensions import db
from idp.migrate import model_metadata

config = context.config
app = config.attributes["flask_app"]


with app.app_context():
    engine = db.engine
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=model_metadata(),
                          render_as_batch=connection.dialect.name == "sqlite", compare_type=True)
        with context.begin_transaction():
            context.run_migrations()

"""The clerk's side of the upgrade at a registration office (Meldebehörde): staff
accounts with the role *meldebehoerde* confirm or refuse upgrade cases."""

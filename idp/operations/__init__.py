"""The operator console "Betrieb" (issue #14): operator accounts and their web area.

Operators manage online services, signing keys, staff roles and read the audit log
through the same services the `servicekonto` command uses; every console request
acts as "operator:<account id>" in the audit log. Federation partners have their
pages in `federation.operator_views`, which hooks into this console's navigation.
"""

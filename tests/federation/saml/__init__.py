"""Tests of the SAML core (federation/saml)."""

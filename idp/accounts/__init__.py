"""Citizen accounts: registration, activation, attributes with their own level."""

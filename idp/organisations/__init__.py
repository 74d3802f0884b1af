"""Servicekonto Business: organisations with administrators, users, groups, online
services with roles, function mailboxes and delegation (SPEC §6)."""

"""The catalogue of online services (SPEC §5): which services the portal lists, the
keyword search over them, and whether the logged-in user can use each one."""

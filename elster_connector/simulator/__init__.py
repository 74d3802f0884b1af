"""The ELSTER IdP simulator, for development and tests only (SERVICEKONTO_SIMULATORS=1)."""

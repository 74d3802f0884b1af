"""ELSTER organisation login (SAML 2.0 to the ELSTER IdP): a login back end for
Servicekonto Business. Built with the organisation issues."""

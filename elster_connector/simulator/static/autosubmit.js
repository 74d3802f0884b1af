// Sends the SAML answer on to the service provider (HTTP-POST binding); the form has
// a visible button for browsers without JavaScript.
document.getElementById("saml-post").submit();

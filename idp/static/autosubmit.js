// Sends a SAML message on to its destination (HTTP-POST binding); the form has a
// visible button for browsers without JavaScript.
document.getElementById("saml-post").submit();

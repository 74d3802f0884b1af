// Cross-device login with the EUDI-Wallet: while the citizen answers on the other
// device, ask every two seconds whether the answer is in, and then press "Weiter"
// for them. Without this script the "Weiter" button does the same by hand.
(function () {
  var form = document.querySelector("form[data-wallet-poll]");
  if (!form) { return; }
  var url = form.getAttribute("data-wallet-poll");
  function check() {
    fetch(url, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (answer) { return answer.ok ? answer.json() : {status: "gone"}; })
      .then(function (body) {
        if (body.status === "waiting") { window.setTimeout(check, 2000); return; }
        var status = document.getElementById("wallet-status");
        status.textContent = document.getElementById("wallet-status-meldung").content.textContent;
        form.submit();
      })
      .catch(function () { window.setTimeout(check, 5000); });
  }
  window.setTimeout(check, 2000);
})();

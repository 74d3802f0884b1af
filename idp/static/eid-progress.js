// The progress display while the Online-Ausweisfunktion runs: the browser waits for the
// eID-Client (AusweisApp) to answer, which happens only after the card was read, so
// this page shows KERN's loader and tells screen readers what is going on.
(function () {
  var box = document.getElementById("eid-fortschritt");
  if (!box) { return; }
  function show() {
    box.hidden = false;
    box.querySelector(".kern-loader").classList.add("kern-loader--visible");
    // Filled in now, not before: a live region announces text that changes.
    box.querySelector("[role=status]").textContent =
      document.getElementById("eid-fortschritt-meldung").content.textContent;
  }
  // Links and submit buttons (Enter in a form clicks its first button too).
  document.querySelectorAll("[data-eid-start]").forEach(function (starter) {
    starter.addEventListener("click", show);
  });
})();

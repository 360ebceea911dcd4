/* Activation page: a code carried in the link's fragment (#code=…, from the QR code
   or the e-mail) fills the code field; the fragment never reaches the server and is
   dropped from the address bar. */
(function () {
  var match = /(?:^#|&)code=([A-Za-z0-9-]{4,20})/.exec(window.location.hash || "");
  if (!match) { return; }
  var form = document.querySelector("[data-activation-form]");
  var field = form && form.querySelector("input[name=code]");
  if (field && !field.value) {
    field.value = match[1].toUpperCase();
    var identity = form.querySelector("input[name=identity]");
    if (identity && !identity.value) { identity.focus(); }
  }
  if (window.history && window.history.replaceState) {
    window.history.replaceState(null, "", window.location.pathname + window.location.search);
  }
})();

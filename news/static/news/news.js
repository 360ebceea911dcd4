// Article page: count the read (the page itself is cached) and show the total; print.
(function () {
  "use strict";
  var counter = document.querySelector("[data-read-count]");
  if (counter && window.fetch) {
    fetch(counter.getAttribute("data-read-url"), { method: "POST", credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) { if (data && typeof data.count === "number") counter.textContent = data.count; })
      .catch(function () {});
  }
  var printButton = document.querySelector("[data-print]");
  if (printButton) printButton.addEventListener("click", function () { window.print(); });
})();

/* Site frame behaviour: 关怀版 toggle, form error summary focus, the phone navigation menu. */
(function () {
  var root = document.documentElement;
  var careButton = document.querySelector("[data-care-toggle]");
  function showCare() {
    var on = root.getAttribute("data-care") === "on";
    if (careButton) {
      careButton.setAttribute("aria-pressed", on ? "true" : "false");
      careButton.textContent = on ? "标准版" : "关怀版";
    }
  }
  if (careButton) {
    careButton.addEventListener("click", function () {
      var on = root.getAttribute("data-care") !== "on";
      if (on) { root.setAttribute("data-care", "on"); } else { root.removeAttribute("data-care"); }
      try { window.localStorage.setItem("portal-care", on ? "on" : "off"); } catch (e) { /* ignore */ }
      showCare();
    });
  }
  showCare();

  // After a failed submit, start at the list of what to fix (includes/error_summary.html).
  var summary = document.querySelector("[data-error-summary]");
  if (summary) {
    summary.focus();
  }

  var navButton = document.querySelector("[data-nav-toggle]");
  var navList = document.getElementById("mainnav-list");
  if (navButton && navList) {
    navButton.addEventListener("click", function () {
      var open = navList.classList.toggle("is-open");
      navButton.setAttribute("aria-expanded", open ? "true" : "false");
    });
  }
})();

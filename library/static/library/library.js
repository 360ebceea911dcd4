// library: on phones the filter panel starts folded so results come first.
(function () {
  if (!window.matchMedia("(max-width: 700px)").matches) return;
  document.querySelectorAll("[data-collapse-on-phone]").forEach(function (panel) {
    var chosen = panel.querySelector(".is-selected");
    if (!chosen) panel.removeAttribute("open");
    panel.classList.add("is-ready");
  });
})();

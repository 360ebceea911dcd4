/* Applies the 关怀版 (large text, high contrast) preference before the first paint. */
(function () {
  try {
    if (window.localStorage.getItem("portal-care") === "on") {
      document.documentElement.setAttribute("data-care", "on");
    }
  } catch (e) { /* storage may be blocked; the default view is used */ }
})();

// Headline carousel: buttons, dots, auto-advance that pauses on hover, focus or request.
(function () {
  "use strict";
  var root = document.querySelector("[data-carousel]");
  if (!root) return;
  var slides = root.querySelectorAll("[data-slide]");
  var dots = root.querySelectorAll("[data-dot]");
  var pauseButton = root.querySelector("[data-pause]");
  var current = 0;
  var timer = null;
  var paused = window.matchMedia("(prefers-reduced-motion: reduce)").matches;

  function show(index) {
    current = (index + slides.length) % slides.length;
    slides.forEach(function (slide, i) {
      slide.hidden = i !== current;
      slide.classList.toggle("is-active", i === current);
    });
    dots.forEach(function (dot, i) {
      if (i === current) dot.setAttribute("aria-current", "true");
      else dot.removeAttribute("aria-current");
    });
  }
  function start() {
    stop();
    if (!paused) timer = window.setInterval(function () { show(current + 1); }, 6000);
  }
  function stop() {
    if (timer) window.clearInterval(timer);
    timer = null;
  }
  function setPaused(value) {
    paused = value;
    if (pauseButton) {
      pauseButton.setAttribute("aria-pressed", value ? "true" : "false");
      pauseButton.textContent = value ? "播放" : "暂停";
    }
    if (value) stop(); else start();
  }

  root.querySelector("[data-prev]").addEventListener("click", function () { show(current - 1); start(); });
  root.querySelector("[data-next]").addEventListener("click", function () { show(current + 1); start(); });
  dots.forEach(function (dot) {
    dot.addEventListener("click", function () { show(parseInt(dot.getAttribute("data-dot"), 10)); start(); });
  });
  if (pauseButton) pauseButton.addEventListener("click", function () { setPaused(!paused); });
  root.addEventListener("mouseenter", stop);
  root.addEventListener("mouseleave", start);
  root.addEventListener("focusin", stop);
  root.addEventListener("focusout", start);
  setPaused(paused);
})();

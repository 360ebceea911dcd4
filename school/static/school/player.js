/* Lesson player: HLS (hls.js, native HLS, then MP4), quality and speed, resume, heartbeats.
 *
 * Nothing of the video is downloaded until the member presses play: the page shows the
 * poster and a play button; pressing it loads hls.js (only where the browser has
 * Media Source Extensions) and attaches the stream.
 *
 * Watched time is measured here as intervals of continuous playback; seeking closes an
 * interval, so dragging the bar earns nothing. The server merges intervals and bounds
 * the member's credit by its own clock (at most the fastest speed of the menu); a
 * heartbeat it defers (too soon after the previous one) is sent again with the next.
 * The intervals are positions in the video, so at 2x ten seconds of wall time report
 * twenty seconds of video: what the server expects, as its bound is wall time x the
 * fastest speed of the menu.
 *
 * The chosen speed is kept in localStorage per account; the keyboard works anywhere
 * on the page except in form fields (space/k, arrows, f); the player is sized to the
 * viewport (the CSS estimates the space above and below the video, this measures it).
 */
(function () {
  "use strict";

  var box = document.getElementById("player");
  if (!box) return;
  var video = document.getElementById("lesson-video");
  var startButton = document.getElementById("player-start");
  var quality = document.getElementById("quality");
  var speed = document.getElementById("speed");
  var statusEl = document.getElementById("player-status");
  var tokenInput = box.querySelector("input[name=csrfmiddlewaretoken]");
  var csrfToken = tokenInput ? tokenInput.value : "";
  var lessonId = box.dataset.lesson;
  var hlsUrl = box.dataset.hls;
  var mp4Url = box.dataset.mp4;
  var hlsScript = box.dataset.hlsScript;
  var resumeAt = parseFloat(box.dataset.resume) || 0;
  var heartbeatUrl = box.dataset.heartbeatUrl;
  var heartbeatMs = (parseInt(box.dataset.heartbeatSeconds, 10) || 10) * 1000;
  var tracking = box.dataset.track === "1";
  var hls = null;

  function useMp4() {
    if (hls) { hls.destroy(); hls = null; }
    quality.disabled = true;
    video.src = mp4Url;
    box.dataset.engine = "mp4";
  }

  function setupQuality(levels) {
    quality.innerHTML = "";
    var auto = document.createElement("option");
    auto.value = "-1";
    auto.textContent = "自动";
    quality.appendChild(auto);
    levels.forEach(function (level, index) {
      var option = document.createElement("option");
      option.value = String(index);
      option.textContent = level.height + "p";
      quality.appendChild(option);
    });
    quality.disabled = levels.length < 2;
    quality.addEventListener("change", function () {
      if (hls) hls.currentLevel = parseInt(quality.value, 10);
    });
  }

  function useHlsJs() {
    hls = new window.Hls({ startPosition: resumeAt > 0 ? resumeAt : -1, capLevelToPlayerSize: true });
    hls.on(window.Hls.Events.MANIFEST_PARSED, function (event, data) { setupQuality(data.levels); });
    hls.on(window.Hls.Events.ERROR, function (event, data) {
      if (data.fatal) useMp4();
    });
    hls.loadSource(hlsUrl);
    hls.attachMedia(video);
    box.dataset.engine = "hls.js";
  }

  function loadHlsJs(then) {
    if (window.Hls) { then(); return; }
    var script = document.createElement("script");
    script.src = hlsScript;
    script.onload = then;
    script.onerror = then;
    document.head.appendChild(script);
  }

  function attachSource(then) {
    var mse = window.MediaSource || window.ManagedMediaSource;
    if (mse && hlsScript) {
      loadHlsJs(function () {
        if (window.Hls && window.Hls.isSupported()) useHlsJs();
        else if (video.canPlayType("application/vnd.apple.mpegurl")) { video.src = hlsUrl; box.dataset.engine = "native"; }
        else useMp4();
        then();
      });
    } else if (video.canPlayType("application/vnd.apple.mpegurl")) {
      video.src = hlsUrl;
      box.dataset.engine = "native";
      then();
    } else {
      useMp4();
      then();
    }
  }

  /* Speeds from the menu only (the browser's own controls may offer others). */
  var rates = (box.dataset.rates || "1").split(",").map(parseFloat).filter(function (r) { return r > 0; });
  var fastest = Math.max.apply(null, rates.concat([1]));
  var slowest = Math.min.apply(null, rates.concat([1]));
  var rateKey = "school.playbackRate." + (box.dataset.user || "");

  function storedRate() {
    try {
      var value = parseFloat(window.localStorage.getItem(rateKey));
      return rates.indexOf(value) >= 0 ? value : null;
    } catch (error) { return null; }
  }
  function saveRate(rate) {
    try { window.localStorage.setItem(rateKey, String(rate)); } catch (error) { /* private mode */ }
  }
  /* defaultPlaybackRate too: attaching a source resets playbackRate to it. */
  function applyRate(rate) {
    video.defaultPlaybackRate = rate;
    video.playbackRate = rate;
    if (speed) speed.value = String(rate);
  }
  var initialRate = storedRate();
  if (initialRate) applyRate(initialRate);
  if (speed) {
    speed.addEventListener("change", function () {
      var rate = parseFloat(speed.value) || 1;
      applyRate(rate);
      saveRate(rate);
    });
  }
  video.addEventListener("ratechange", function () {
    var rate = video.playbackRate;
    if (rate > fastest) video.playbackRate = fastest;
    else if (rate < slowest) video.playbackRate = slowest;
    else if (rates.indexOf(rate) >= 0) {
      if (speed) speed.value = String(rate);
      if (started) saveRate(rate);
    }
  });

  var started = false;
  var focusVideo = false;
  function start() {
    if (started) return;
    focusVideo = document.activeElement === startButton;
    started = true;
    startButton.hidden = true;
    video.controls = true;
    box.dataset.started = "1";
    attachSource(function () {
      applyRate(parseFloat(speed ? speed.value : "1") || 1);
      if (focusVideo) video.focus({ preventScroll: true });
      var playing = video.play();
      if (playing && playing.catch) playing.catch(function () { /* the controls remain */ });
    });
  }
  startButton.addEventListener("click", start);
  video.addEventListener("error", function () {
    if (started && box.dataset.engine !== "mp4") useMp4();
  });

  var resumed = false;
  video.addEventListener("loadedmetadata", function () {
    if (resumed) return;
    resumed = true;
    var duration = video.duration || parseFloat(box.dataset.duration) || 0;
    if (resumeAt > 1 && resumeAt < duration - 3 && Math.abs(video.currentTime - resumeAt) > 1) {
      video.currentTime = resumeAt;
    }
  });

  /* ---- keyboard ---- */
  var osd = document.getElementById("player-osd");
  var osdTimer = null;
  function flash(text) {
    if (!osd) return;
    osd.textContent = text;
    osd.hidden = false;
    clearTimeout(osdTimer);
    osdTimer = setTimeout(function () { osd.hidden = true; }, 900);
  }
  function togglePlay() {
    if (!started) { start(); return; }
    if (video.paused || video.ended) {
      var playing = video.play();
      if (playing && playing.catch) playing.catch(function () {});
    } else {
      video.pause();
    }
  }
  function seekBy(seconds) {
    if (!started || !isFinite(video.duration)) return;
    video.currentTime = Math.min(Math.max(0, video.currentTime + seconds), video.duration);
    flash(seconds > 0 ? "前进 " + seconds + " 秒" : "后退 " + (-seconds) + " 秒");
  }
  function volumeBy(step) {
    var volume = Math.round((video.volume + step) * 10) / 10;
    video.volume = Math.min(1, Math.max(0, volume));
    if (step > 0) video.muted = false;
    flash("音量 " + Math.round((video.muted ? 0 : video.volume) * 100) + "%");
  }
  function toggleFullscreen() {
    if (document.fullscreenElement) {
      document.exitFullscreen();
    } else if (video.requestFullscreen) {
      var request = video.requestFullscreen();
      if (request && request.catch) request.catch(function () {});
    } else if (video.webkitEnterFullscreen) {
      video.webkitEnterFullscreen();
    }
  }
  var KEYS = {
    " ": togglePlay,
    k: togglePlay,
    ArrowLeft: function () { seekBy(-5); },
    ArrowRight: function () { seekBy(5); },
    ArrowUp: function () { volumeBy(0.1); },
    ArrowDown: function () { volumeBy(-0.1); },
    f: toggleFullscreen
  };
  /* Keys act on the player when focus is on the page itself or in the player, never
     while typing in a field (the 清晰度 and 倍速 menus included) or on another control. */
  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) return;
    var key = event.key.length === 1 ? event.key.toLowerCase() : event.key;
    var action = KEYS[key];
    if (!action) return;
    var target = event.target;
    if (target && target.closest) {
      if (target.closest("input, textarea, select, [contenteditable]:not([contenteditable=false])")) return;
      var inPlayer = box.contains(target);
      var onPage = target === document.body || target === document.documentElement;
      if (!inPlayer && !onPage) return;
      if (key === " " && target !== video && target.closest("button, a[href], summary")) return;
    }
    event.preventDefault();
    action();
  });

  /* ---- size: the player's top and bar measured (CSS has an estimate) ---- */
  var article = box.closest(".lesson") || document.documentElement;
  var bar = box.querySelector(".player__bar");
  // The bar's own height, without the min-height this script sets from it: measured
  // through its own minimum, one tall moment (a resize mid-layout) would hold the bar
  // that tall for good.
  function barHeight() {
    if (!bar) return 0;
    bar.style.minHeight = "0px";
    var height = bar.offsetHeight;
    bar.style.minHeight = "";
    return height;
  }
  // The bar wraps as the player narrows and the player narrows as the bar grows, so a
  // measurement taken while the player is narrow (a short window a moment ago) would
  // keep it narrow. Each fit starts from the widest player and narrows it until the
  // bar stops growing: the widest size that fits, whatever the size before.
  function fit() {
    var top = box.getBoundingClientRect().top + window.scrollY;
    var height = 0;
    article.style.setProperty("--player-chrome", "0px");
    for (var round = 0; round < 4; round++) {
      var measured = barHeight();
      if (measured <= height) break;
      height = measured;
      article.style.setProperty("--player-chrome", Math.ceil(top + height + 12) + "px");
    }
    if (bar) article.style.setProperty("--player-bar", height + "px");
  }
  var fitPending = false;
  window.addEventListener("resize", function () {
    if (fitPending) return;
    fitPending = true;
    window.requestAnimationFrame(function () { fitPending = false; fit(); });
  });
  window.addEventListener("load", fit);
  fit();

  if (!tracking) return;

  /* Intervals of continuous playback not yet acknowledged by the server. */
  var pending = [];
  var openStart = null;
  var lastTime = null;

  function closeInterval() {
    if (openStart !== null && lastTime !== null && lastTime > openStart) {
      pending.push([openStart, lastTime]);
    }
    openStart = null;
    lastTime = null;
  }

  video.addEventListener("timeupdate", function () {
    var now = video.currentTime;
    if (video.seeking || video.paused) { closeInterval(); return; }
    var rate = Math.max(1, video.playbackRate || 1);
    if (lastTime !== null && now > lastTime && now - lastTime <= 1.5 * rate) {
      lastTime = now;
    } else {
      closeInterval();
      openStart = now;
      lastTime = now;
    }
  });
  video.addEventListener("seeking", closeInterval);

  function takePayload(playing) {
    var current = lastTime;
    closeInterval();
    if (playing && current !== null) { openStart = current; lastTime = current; }
    var intervals = pending;
    pending = [];
    return { lesson: lessonId, position: video.currentTime, intervals: intervals, playing: playing };
  }

  function showState(data) {
    if (!data || !data.duration || data.watched_seconds === null) return;
    var percent = Math.min(100, Math.floor((data.watched_seconds * 100) / data.duration));
    var text = "已学 " + percent + "%";
    if (data.completed) text += " · 已完成";
    if (!data.accruing) text += " · 其他课时正在计时";
    statusEl.textContent = text;
    box.dataset.watched = String(data.watched_seconds);
  }

  var inFlight = false;
  function send(playing) {
    if (inFlight) return;
    var payload = takePayload(playing);
    inFlight = true;
    fetch(heartbeatUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken },
      body: JSON.stringify(payload)
    }).then(function (response) {
      if (!response.ok) throw new Error(String(response.status));
      return response.json();
    }).then(function (data) {
      showState(data);
      if (data.deferred) {
        /* Too soon after the previous heartbeat: send the same intervals again once
           the server's minimum interval has passed (or earlier with the next one). */
        pending = payload.intervals.concat(pending);
        if (!retryTimer) retryTimer = setTimeout(retry, retryMs);
        return;
      }
      box.dataset.beats = String((parseInt(box.dataset.beats || "0", 10) || 0) + 1);
    }).catch(function () {
      pending = payload.intervals.concat(pending);
    }).then(function () { inFlight = false; });
  }

  var retryMs = (parseFloat(box.dataset.minInterval) || 2) * 1000 + 200;
  var retryTimer = null;
  function retry() {
    retryTimer = null;
    if (pending.length || openStart !== null) send(!video.paused && !video.ended);
  }

  function beacon() {
    var payload = takePayload(false);
    var body = new URLSearchParams();
    body.append("csrfmiddlewaretoken", csrfToken);
    body.append("data", JSON.stringify(payload));
    if (!(navigator.sendBeacon && navigator.sendBeacon(heartbeatUrl, body))) {
      pending = payload.intervals.concat(pending);
    }
  }

  setInterval(function () { if (!video.paused && !video.ended) send(true); }, heartbeatMs);
  video.addEventListener("pause", function () { send(false); });
  video.addEventListener("ended", function () { send(false); });
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") beacon();
  });
  window.addEventListener("pagehide", beacon);
})();

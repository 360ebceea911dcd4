// Taking an attempt: every change is saved at once (POST JSON with the CSRF token);
// saves that fail (no connection, server busy) are kept in localStorage and retried
// with growing pauses and whenever the browser comes back online, so a reload or a
// dropped phone connection loses nothing. The server's deadline decides; the timer
// only shows it and hands in when it reaches zero.
(function () {
  "use strict";
  var form = document.getElementById("exam-form");
  if (!form) return;
  var saveUrl = form.dataset.saveUrl;
  var storeKey = "exam-pending-" + form.dataset.attempt;
  var csrf = form.querySelector("input[name=csrfmiddlewaretoken]").value;
  var net = document.getElementById("exam-net");
  var timer = document.getElementById("exam-timer");
  var progress = document.getElementById("exam-progress");
  var pending = {};
  var inFlight = {};
  var retryDelay = 1000;
  var retryTimer = null;
  var submitting = false;

  try { pending = JSON.parse(localStorage.getItem(storeKey) || "{}") || {}; } catch (e) { pending = {}; }

  function persist() {
    try { localStorage.setItem(storeKey, JSON.stringify(pending)); } catch (e) { /* private mode */ }
  }

  function item(position) { return document.getElementById("q" + position); }

  function setState(position, state, text) {
    var node = item(position);
    if (!node) return;
    var label = node.querySelector(".question__state");
    label.dataset.state = state;
    label.textContent = text;
  }

  function responseOf(node) {
    var position = node.dataset.position;
    if (node.dataset.kind === "fill") {
      return Array.prototype.map.call(node.querySelectorAll("input[type=text]"), function (input) { return input.value; });
    }
    return Array.prototype.filter.call(node.querySelectorAll("input[name=q" + position + "]"), function (input) {
      return input.checked;
    }).map(function (input) { return input.value; });
  }

  function answered(node) {
    return responseOf(node).some(function (value) { return value.trim() !== ""; });
  }

  function showProgress() {
    var nodes = form.querySelectorAll(".question");
    var done = Array.prototype.filter.call(nodes, answered).length;
    progress.textContent = "已答 " + done + " / " + nodes.length;
    var unanswered = nodes.length - done;
    document.getElementById("exam-unanswered").textContent = unanswered ? "还有 " + unanswered + " 道题未作答。" : "全部题目已作答。";
  }

  function showNet() {
    var waiting = Object.keys(pending).length;
    if (!waiting) { net.hidden = true; net.textContent = ""; return; }
    net.hidden = false;
    net.textContent = navigator.onLine === false
      ? "网络已断开：" + waiting + " 道题的答案暂存在本机，恢复网络后自动保存。"
      : waiting + " 道题的答案正在重新保存……";
  }

  function scheduleRetry() {
    if (retryTimer || !Object.keys(pending).length) return;
    retryTimer = setTimeout(function () { retryTimer = null; flush(); }, retryDelay);
    retryDelay = Math.min(retryDelay * 2, 15000);
  }

  function send(position) {
    if (inFlight[position]) return;
    var entry = pending[position];
    if (!entry) return;
    inFlight[position] = true;
    setState(position, "pending", "保存中……");
    fetch(saveUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
      body: JSON.stringify({ position: Number(position), answer: entry.answer })
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        return { ok: response.ok, status: response.status, data: data };
      });
    }).then(function (result) {
      inFlight[position] = false;
      var still = pending[position] && pending[position].seq !== entry.seq;
      if (result.ok) {
        if (!still) { delete pending[position]; persist(); }
        retryDelay = 1000;
        setState(position, still ? "pending" : "saved", still ? "保存中……" : "已保存");
        if (still) send(position);
      } else if (result.status >= 400 && result.status < 500 && result.status !== 429) {
        // Refused for good (time up, handed in, bad answer): say why, stop retrying.
        delete pending[position]; persist();
        setState(position, "error", (result.data && result.data.error) || "保存失败。");
      } else {
        setState(position, "pending", "未保存，稍后自动重试");
        scheduleRetry();
      }
      showNet();
    }).catch(function () {
      inFlight[position] = false;
      setState(position, "pending", "网络不通，答案暂存本机，稍后自动重试");
      showNet();
      scheduleRetry();
    });
  }

  function flush() { Object.keys(pending).forEach(send); }

  var seq = 0;
  function changed(event) {
    var node = event.target.closest(".question");
    if (!node) return;
    seq += 1;
    pending[node.dataset.position] = { answer: responseOf(node), seq: Date.now() + "-" + seq };
    persist();
    showProgress();
    send(node.dataset.position);
    showNet();
  }

  form.addEventListener("change", changed);
  var typing = {};
  form.addEventListener("input", function (event) {
    if (event.target.type !== "text") return;
    var node = event.target.closest(".question");
    clearTimeout(typing[node.dataset.position]);
    typing[node.dataset.position] = setTimeout(function () { changed(event); }, 800);
  });
  window.addEventListener("online", function () { retryDelay = 1000; showNet(); flush(); });
  window.addEventListener("offline", showNet);

  // Answers kept on this device from before a reload go back into the form first.
  Object.keys(pending).forEach(function (position) {
    var node = item(position);
    if (!node) { delete pending[position]; return; }
    var answer = pending[position].answer || [];
    if (node.dataset.kind === "fill") {
      node.querySelectorAll("input[type=text]").forEach(function (input, index) { input.value = answer[index] || ""; });
    } else {
      node.querySelectorAll("input[name=q" + position + "]").forEach(function (input) { input.checked = answer.indexOf(input.value) !== -1; });
    }
  });
  persist();
  showProgress();
  showNet();
  flush();

  // The timer counts down from the seconds the server said were left.
  var endsAt = Date.now() + Number(timer.dataset.seconds) * 1000;
  function tick() {
    var left = Math.max(0, Math.round((endsAt - Date.now()) / 1000));
    var minutes = Math.floor(left / 60), seconds = left % 60;
    timer.textContent = "剩余 " + minutes + ":" + (seconds < 10 ? "0" : "") + seconds;
    timer.classList.toggle("exam-bar__timer--low", left <= 60);
    if (left === 0 && !submitting) {
      submitting = true;
      try { localStorage.removeItem(storeKey); } catch (e) { /* ignore */ }
      form.submit();
      return;
    }
    setTimeout(tick, 500);
  }
  tick();

  form.addEventListener("submit", function (event) {
    var nodes = form.querySelectorAll(".question");
    var unanswered = nodes.length - Array.prototype.filter.call(nodes, answered).length;
    if (!submitting && unanswered && !window.confirm("还有 " + unanswered + " 道题未作答，确定交卷吗？")) {
      event.preventDefault();
      return;
    }
    submitting = true;
    try { localStorage.removeItem(storeKey); } catch (e) { /* ignore */ }
  });
})();

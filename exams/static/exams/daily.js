// 每日答题: each question's form is sent as JSON (with the CSRF token); the server
// answers with the marked question (right or wrong, the key, the 解析) and the day's
// summary, which replace the form. Without JavaScript the forms post and the page
// reloads at the question. The server refuses a second answer to the same question.
(function () {
  "use strict";
  var list = document.getElementById("daily-questions");
  if (!list) return;
  var url = list.dataset.answerUrl;
  var csrf = document.querySelector("input[name=csrfmiddlewaretoken]").value;

  function responseOf(item) {
    var position = item.dataset.position;
    if (item.dataset.kind === "fill") {
      return Array.prototype.map.call(item.querySelectorAll("input[type=text]"), function (input) { return input.value; });
    }
    return Array.prototype.filter.call(item.querySelectorAll("input[name=q" + position + "]"), function (input) {
      return input.checked;
    }).map(function (input) { return input.value; });
  }

  list.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.classList.contains("daily-form")) return;
    event.preventDefault();
    var item = form.closest(".question");
    var state = form.querySelector(".question__state");
    var button = form.querySelector("button[type=submit]");
    var answer = responseOf(item);
    if (!answer.some(function (value) { return value.trim() !== ""; })) {
      state.dataset.state = "error";
      state.textContent = "请先作答再提交。";
      return;
    }
    button.disabled = true;
    state.dataset.state = "pending";
    state.textContent = "提交中……";
    fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
      body: JSON.stringify({ position: Number(item.dataset.position), answer: answer })
    }).then(function (response) {
      return response.json().then(function (data) { return { ok: response.ok, data: data }; });
    }).then(function (result) {
      if (!result.ok) {
        state.dataset.state = "error";
        state.textContent = result.data.error || "提交失败，请重试。";
        button.disabled = false;
        return;
      }
      var holder = document.createElement("div");
      holder.innerHTML = result.data.question;
      var marked = holder.firstElementChild;
      item.replaceWith(marked);
      document.getElementById("daily-summary").innerHTML = result.data.summary;
      if (result.data.done) {
        document.getElementById("daily-summary").scrollIntoView({ behavior: "smooth", block: "start" });
      }
    }).catch(function () {
      state.dataset.state = "error";
      state.textContent = "网络不通，答案没有提交，请稍后再点“提交答案”。";
      button.disabled = false;
    });
  });
})();

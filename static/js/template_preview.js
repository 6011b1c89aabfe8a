// Live preview of a message template (notifications:template_edit): each edit posts the draft to the
// preview endpoint (data-url) and shows the rendered message, its size and why it would be refused.
(function () {
  "use strict";
  function start() {
    var box = document.getElementById("template-preview");
    if (!box) return;
    var form = box.closest("form"), timer = null;
    function show(p) {
      box.querySelector("pre").textContent = p.content || "";
      box.querySelector("[data-role=size]").textContent = p.ok ? p.bytes + " / " + p.longest + " / " + p.limit + " bytes" : "";
      var errors = box.querySelector("[data-role=errors]");
      errors.textContent = "";
      (p.errors || []).forEach(function (e) {
        var li = document.createElement("li");
        li.textContent = e;
        errors.appendChild(li);
      });
    }
    function refresh() {
      fetch(box.dataset.url, {method: "POST", body: new FormData(form), credentials: "same-origin"})
        .then(function (r) { return r.json(); })
        .then(show);
    }
    form.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(refresh, 300);
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();

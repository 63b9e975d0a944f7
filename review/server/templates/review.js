// ootkg review: keyboard shortcuts for every action. Plain script, no dependencies.
(function () {
  "use strict";
  function $(id) { return document.getElementById(id); }
  function typing(el) {
    return el && (el.tagName === "TEXTAREA" || el.tagName === "SELECT" ||
      (el.tagName === "INPUT" && !["radio", "checkbox", "button", "submit"].includes(el.type)));
  }
  function setScore(n) {
    document.querySelectorAll(".score-field").forEach(function (f) { f.value = String(n); });
    document.querySelectorAll("input[name=score-pick]").forEach(function (r) {
      r.checked = r.value === String(n);
    });
  }
  function open(form, focus) {
    ["reject-form", "edit-form"].forEach(function (id) { var f = $(id); if (f) f.hidden = f !== form; });
    if (form) { form.hidden = false; if (focus) focus.focus(); }
  }
  function openPanel() {
    var r = $("reject-form"), e = $("edit-form");
    if (r && !r.hidden) return r;
    if (e && !e.hidden) return e;
    return null;
  }
  function go(attr) {
    var nav = document.querySelector("nav.pager");
    var url = nav && nav.dataset[attr];
    if (url) window.location.href = url;
  }
  function submit(form) { if (form) { if (form.requestSubmit) form.requestSubmit(); else form.submit(); } }

  document.addEventListener("DOMContentLoaded", function () {
    var help = $("help"), toggle = $("help-toggle");
    if (toggle) toggle.addEventListener("click", function () { help.hidden = !help.hidden; });
    document.querySelectorAll("input[name=score-pick]").forEach(function (r) {
      r.addEventListener("change", function () { setScore(r.value); });
    });
    var ro = $("reject-open"), eo = $("edit-open");
    if (ro) ro.addEventListener("click", function () { open($("reject-form"), document.querySelector("#reject-form input[name=reason]")); });
    if (eo) eo.addEventListener("click", function () { open($("edit-form"), $("edit-content")); });
    document.querySelectorAll("#reject-form input[name=reason]").forEach(function (r) {
      r.addEventListener("change", function () {
        var ents = $("entities");
        if (ents) ents.hidden = r.value !== "factually-wrong" || !r.checked;
      });
    });
    var idx = $("edit-index"), sources = $("edit-sources");
    if (idx && sources) {
      var texts = JSON.parse(sources.textContent);
      idx.addEventListener("change", function () { $("edit-content").value = texts[Number(idx.value)]; });
    }
  });

  document.addEventListener("keydown", function (ev) {
    var el = document.activeElement;
    if (ev.key === "Escape") {
      if (typing(el)) { el.blur(); return; }
      open(null); var h = $("help"); if (h) h.hidden = true; return;
    }
    if (typing(el)) {
      if (ev.key === "Enter" && (ev.ctrlKey || ev.metaKey) && el.form) { ev.preventDefault(); submit(el.form); }
      return;
    }
    if (ev.ctrlKey || ev.metaKey || ev.altKey) return;
    var panel = openPanel();
    var k = ev.key;
    if (panel && panel.id === "reject-form") {
      if (/^[1-9]$/.test(k)) {
        var r = document.querySelector('#reject-form input[name=reason][data-key="' + k + '"]');
        if (r) { r.checked = true; r.dispatchEvent(new Event("change")); ev.preventDefault(); return; }
      }
      if (k === "n") { ev.preventDefault(); $("reject-note").focus(); return; }
      if (k === "Enter") { ev.preventDefault(); submit(panel); return; }
    }
    if (/^[0-9]$/.test(k) && !panel) { setScore(k === "0" ? 10 : Number(k)); ev.preventDefault(); return; }
    switch (k) {
      case "a": ev.preventDefault(); submit($("accept-form")); break;
      case "s": ev.preventDefault(); submit($("score-form")); break;
      case "r": ev.preventDefault(); open($("reject-form"), null); break;
      case "e": ev.preventDefault(); open($("edit-form"), $("edit-content")); break;
      case "j": case "ArrowRight": go("next"); break;
      case "k": case "ArrowLeft": go("prev"); break;
      case "g": go("queue"); break;
      case "?": var h = $("help"); if (h) h.hidden = !h.hidden; break;
      case "Enter": var s = $("start"); if (s) window.location.href = s.href; break;
    }
  });
})();

// Structured scorecard editor. The JSON textarea stays the one thing the form submits: this
// script renders the JSON as sections and criteria, and writes every edit back into it.
// Without JavaScript the textarea alone still works.
"use strict";

(function () {
  var root = document.getElementById("structured");
  var textarea = document.getElementById("definition");
  if (!root || !textarea) return;
  var KINDS = JSON.parse(root.dataset.kinds || "[]");
  var ERRORS = JSON.parse(root.dataset.errors || "[]");
  var READ_ONLY = root.dataset.readonly === "true";
  var METRIC_PARAMS = {
    max_silence: ["max_seconds"],
    agent_talk_share: ["min_share", "max_share"],
    interruptions: ["max_count", "min_overlap_seconds"]
  };
  var ALL_PARAMS = ["max_seconds", "min_share", "max_share", "max_count", "min_overlap_seconds"];
  var model = null;

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (key) {
      if (key === "text") node.textContent = attrs[key];
      else if (key === "className") node.className = attrs[key];
      else node.setAttribute(key, attrs[key]);
    });
    (children || []).forEach(function (child) { if (child) node.appendChild(child); });
    return node;
  }

  function sync() { textarea.value = JSON.stringify(model, null, 2); }

  function errorsAt(path) {
    return ERRORS.filter(function (e) { return e.field === path; });
  }

  function errorsUnder(prefix) {
    return ERRORS.filter(function (e) { return e.field.indexOf(prefix) === 0; });
  }

  function withErrors(path, nodes) {
    var found = errorsAt(path);
    found.forEach(function (e) {
      nodes.push(el("p", { className: "field-error", "data-error-for": path, text: e.message }));
    });
    if (found.length) {
      nodes.forEach(function (n) {
        if (n.matches && n.matches("input, select, textarea")) n.setAttribute("aria-invalid", "true");
      });
    }
    return nodes;
  }

  // A labelled input bound to obj[key]; kind: text, number, textarea, checkbox, select.
  function field(label, obj, key, path, kind, options) {
    var id = "f-" + path.replace(/[^A-Za-z0-9]+/g, "-");
    var input;
    if (kind === "textarea") {
      input = el("textarea", { id: id, rows: "2" });
      input.value = obj[key] == null ? "" : obj[key];
    } else if (kind === "select") {
      input = el("select", { id: id });
      options.forEach(function (opt) {
        var o = el("option", { value: opt, text: opt });
        if ((obj[key] || options[0]) === opt) o.selected = true;
        input.appendChild(o);
      });
    } else if (kind === "checkbox") {
      input = el("input", { id: id, type: "checkbox" });
      input.checked = !!obj[key];
    } else {
      input = el("input", { id: id, type: kind === "number" ? "number" : "text", step: "any" });
      input.value = obj[key] == null ? "" : obj[key];
    }
    input.dataset.path = path;
    if (READ_ONLY) input.disabled = true;
    input.addEventListener(kind === "select" || kind === "checkbox" ? "change" : "input", function () {
      if (kind === "checkbox") obj[key] = input.checked;
      else if (kind === "number") {
        if (input.value.trim() === "") delete obj[key];
        else obj[key] = Number(input.value);
      } else obj[key] = input.value;
      sync();
      if (kind === "select") render();  // a kind brings its own fields
    });
    var labelNode = el("label", { "for": id, text: label });
    var wrap = el("div", { className: kind === "checkbox" ? "stack check-field" : "stack" },
      withErrors(path, kind === "checkbox" ? [el("span", {}, [input, labelNode])] : [labelNode, input]));
    return wrap;
  }

  function button(text, onClick, className) {
    var b = el("button", { type: "button", className: className || "small", text: text });
    if (READ_ONLY) b.disabled = true;
    b.addEventListener("click", function () { onClick(); sync(); render(); });
    return b;
  }

  function examplesEditor(criterion, path) {
    criterion.examples = criterion.examples || {};
    var box = el("div", { className: "examples" }, [el("p", { className: "small", text: "Example phrasings per language (one per line)" })]);
    Object.keys(criterion.examples).forEach(function (lang) {
      var langPath = path + ".examples." + lang;
      var code = el("input", { type: "text", value: lang, "aria-label": "Language code", "data-path": langPath });
      var phrases = el("textarea", { rows: "3", "aria-label": "Phrasings in " + lang, "data-path": langPath });
      phrases.value = (criterion.examples[lang] || []).join("\n");
      if (READ_ONLY) { code.disabled = true; phrases.disabled = true; }
      code.addEventListener("change", function () {
        var next = code.value.trim();
        if (!next || next === lang || criterion.examples[next]) { code.value = lang; return; }
        var rebuilt = {};
        Object.keys(criterion.examples).forEach(function (k) {
          rebuilt[k === lang ? next : k] = criterion.examples[k];
        });
        criterion.examples = rebuilt;
        sync(); render();
      });
      phrases.addEventListener("input", function () {
        criterion.examples[lang] = phrases.value.split("\n").map(function (s) { return s.trim(); })
          .filter(function (s) { return s; });
        sync();
      });
      var nodes = [el("div", { className: "examples-row" }, [code, phrases,
        button("Remove", function () { delete criterion.examples[lang]; })])];
      errorsUnder(langPath).forEach(function (e) {
        nodes.push(el("p", { className: "field-error", "data-error-for": e.field, text: e.message }));
      });
      nodes.forEach(function (n) { box.appendChild(n); });
    });
    withErrors(path + ".examples", []).forEach(function (n) { box.appendChild(n); });
    box.appendChild(button("Add language", function () {
      var code = "hi";
      var n = 2;
      while (criterion.examples[code]) { code = ["hi", "en", "ta", "te", "mr", "bn"][n % 6] + (n > 6 ? n : ""); n++; }
      criterion.examples[code] = [];
    }));
    return box;
  }

  function criterionEditor(section, c, ci, path) {
    var kind = c.kind || "required";
    var rows = [
      el("div", { className: "block-head" }, [
        el("strong", { text: c.id || "(new criterion)" }),
        button("Remove criterion", function () { section.criteria.splice(ci, 1); }, "small danger")
      ]),
      el("div", { className: "row" }, [
        field("Id", c, "id", path + ".id", "text"),
        field("Kind", c, "kind", path + ".kind", "select", KINDS),
        field("Weight", c, "weight", path + ".weight", "number"),
        field("Fatal", c, "fatal", path + ".fatal", "checkbox")
      ]),
      field("Question", c, "question", path + ".question", "textarea")
    ];
    var params = el("div", { className: "row" });
    if (kind === "required" || kind === "within_seconds") {
      params.appendChild(field("Within seconds" + (kind === "required" ? " (optional)" : ""), c, "within_seconds", path + ".within_seconds", "number"));
    }
    (METRIC_PARAMS[kind] || []).forEach(function (name) {
      params.appendChild(field(name.replace(/_/g, " "), c, name, path + "." + name, "number"));
    });
    ALL_PARAMS.forEach(function (name) {
      if ((METRIC_PARAMS[kind] || []).indexOf(name) < 0 && errorsAt(path + "." + name).length) {
        withErrors(path + "." + name, []).forEach(function (n) { params.appendChild(n); });
      }
    });
    rows.push(params);
    if (kind !== "max_silence" && kind !== "agent_talk_share" && kind !== "interruptions") {
      rows.push(examplesEditor(c, path));
    }
    withErrors(path, []).forEach(function (n) { rows.push(n); });
    return el("div", { className: "criterion-block", "data-path": path }, rows);
  }

  function sectionEditor(section, si) {
    var path = "sections[" + si + "]";
    section.criteria = Array.isArray(section.criteria) ? section.criteria : [];
    var block = el("div", { className: "section-block", "data-path": path }, [
      el("div", { className: "block-head" }, [
        field("Section name", section, "name", path + ".name", "text"),
        button("Remove section", function () { model.sections.splice(si, 1); }, "small danger")
      ])
    ]);
    section.criteria.forEach(function (c, ci) {
      if (c && typeof c === "object") block.appendChild(criterionEditor(section, c, ci, path + ".criteria[" + ci + "]"));
    });
    withErrors(path + ".criteria", []).forEach(function (n) { block.appendChild(n); });
    withErrors(path, []).forEach(function (n) { block.appendChild(n); });
    block.appendChild(button("Add criterion", function () {
      section.criteria.push({ id: "", question: "", weight: 10, fatal: false, kind: "required", examples: { en: [] } });
    }));
    return block;
  }

  function render() {
    root.textContent = "";
    if (!model || typeof model !== "object" || Array.isArray(model)) {
      root.appendChild(el("p", { className: "notice", text: "The JSON is not a scorecard object: fix it in the JSON tab to use the form." }));
      return;
    }
    model.sections = Array.isArray(model.sections) ? model.sections : [];
    root.appendChild(el("div", { className: "row" }, [
      field("Name", model, "name", "name", "text"),
      field("Pass threshold (%)", model, "pass_threshold", "pass_threshold", "number")
    ]));
    model.sections.forEach(function (section, si) {
      if (section && typeof section === "object") root.appendChild(sectionEditor(section, si));
    });
    withErrors("sections", []).forEach(function (n) { root.appendChild(n); });
    root.appendChild(button("Add section", function () {
      model.sections.push({ name: "", criteria: [] });
    }));
  }

  function load() {
    try { model = JSON.parse(textarea.value); return true; } catch (e) { model = null; return false; }
  }

  var tabs = document.querySelector(".tabs");
  var jsonPane = document.getElementById("json-pane");
  function show(which) {
    if (which === "form" && !load()) {
      which = "json";
      window.alert("The JSON has a syntax error; fix it before switching to the form.");
    }
    root.hidden = which !== "form";
    jsonPane.hidden = which !== "json";
    tabs.querySelectorAll("[data-tab]").forEach(function (t) {
      t.setAttribute("aria-selected", String(t.dataset.tab === which));
    });
    if (which === "form") render();
  }
  tabs.hidden = false;
  tabs.addEventListener("click", function (event) {
    var tab = event.target.closest("[data-tab]");
    if (tab) show(tab.dataset.tab);
  });
  var jsonBroken = ERRORS.some(function (e) { return e.field === "json"; });
  show(jsonBroken || !load() ? "json" : "form");
})();

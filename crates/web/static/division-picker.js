// Yiyang: the division picker. Every <input data-division-picker> becomes cascading lists
// (township, then village or community, below the user's current scope) and a search by name;
// the input itself stays in the form, hidden, and carries the chosen code. Without this script
// the input is a plain text field and the server checks what is typed.
(function () {
  "use strict";
  // Code lengths of the GB/T 2260 levels (province, city, county, township, village).
  var LEVELS = [2, 4, 6, 9, 12];
  var LEVEL_NAMES = { 4: "市", 6: "县（区）", 9: "乡镇（街道）", 12: "村（社区）" };

  function getJSON(url) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : []; })
      .catch(function () { return []; });
  }

  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    if (text) e.textContent = text;
    return e;
  }

  function init(input) {
    var root = input.getAttribute("data-root") || "";
    var allowEmpty = input.hasAttribute("data-allow-empty");
    var id = input.id || input.name;
    var box = el("div", { "class": "division-picker", "data-picker-for": id });
    var lists = el("div", { "class": "picker-lists" });
    var rootLabel = el("span", { "class": "picker-root" }, input.getAttribute("data-root-path") || "");
    var search = el("input", { type: "search", "class": "picker-search", id: id + "-search",
      placeholder: "输入名称搜索，如 某某镇、某某村", autocomplete: "off", "aria-label": "按名称搜索区划" });
    var results = el("ul", { "class": "picker-results", id: id + "-results", hidden: "" });
    lists.appendChild(rootLabel);
    box.appendChild(lists);
    box.appendChild(search);
    box.appendChild(results);
    input.type = "hidden";
    input.parentNode.insertBefore(box, input.nextSibling);

    // The value is the deepest division chosen; the scope itself when nothing below it is.
    function setValue(code) {
      input.value = code || (allowEmpty ? "" : root);
      input.dispatchEvent(new Event("change", { bubbles: true }));
    }

    function removeFrom(depth) {
      var below = lists.querySelectorAll("select");
      for (var i = depth; i < below.length; i++) below[i].remove();
    }

    // Removes the lists from `depth` on and, when `parent` has children, adds the next one.
    function addList(parent, depth, selected) {
      removeFrom(depth);
      return getJSON("/divisions/children?parent=" + encodeURIComponent(parent)).then(function (kids) {
        if (!kids.length) return null;
        var level = kids[0].code.length;
        var s = el("select", { id: id + "-level-" + depth, "aria-label": "选择" + (LEVEL_NAMES[level] || "下级区划") });
        s.appendChild(el("option", { value: "" }, allowEmpty && depth === 0 ? (input.getAttribute("data-empty-label") || "全部") : "（选择" + (LEVEL_NAMES[level] || "下级区划") + "）"));
        kids.forEach(function (k) {
          var o = el("option", { value: k.code }, k.name);
          if (k.code === selected) o.selected = true;
          s.appendChild(o);
        });
        s.addEventListener("change", function () {
          if (s.value) {
            setValue(s.value);
            addList(s.value, depth + 1);
          } else {
            setValue(parent === root ? "" : parent);
            removeFrom(depth + 1);
          }
        });
        lists.appendChild(s);
        return s;
      });
    }

    // Shows `code` as the chain of lists from the scope down to it.
    function showChain(code) {
      var chain = LEVELS.filter(function (l) { return l > root.length && l <= code.length; })
        .map(function (l) { return code.slice(0, l); });
      var parent = root, depth = 0, p = Promise.resolve();
      chain.concat([null]).forEach(function (c) {
        var par = parent, d = depth;
        p = p.then(function () { return addList(par, d, c); });
        if (c) { parent = c; depth += 1; }
      });
      return p;
    }

    var start = input.value.trim();
    showChain(start.indexOf(root) === 0 ? start : root);

    var timer = null;
    search.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () {
        var q = search.value.trim();
        results.innerHTML = "";
        if (!q) { results.hidden = true; return; }
        getJSON("/divisions/search?q=" + encodeURIComponent(q)).then(function (found) {
          results.innerHTML = "";
          if (!found.length) results.appendChild(el("li", { "class": "none" }, "没有找到名称含“" + q + "”的区划"));
          found.forEach(function (f) {
            var b = el("button", { type: "button", "data-code": f.code }, f.path || f.name);
            b.addEventListener("click", function () {
              setValue(f.code);
              results.hidden = true;
              search.value = "";
              lists.querySelectorAll("select").forEach(function (s) { s.remove(); });
              showChain(f.code);
            });
            var li = el("li");
            li.appendChild(b);
            results.appendChild(li);
          });
          results.hidden = false;
        });
      }, 200);
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("input[data-division-picker]").forEach(init);
  });
})();

// Yiyang: small progressive enhancements; every page works without this script.
(function () {
  "use strict";
  document.documentElement.classList.add("js");
  // Elder mode (长辈模式): larger type and higher contrast, remembered on this device.
  // An older person's own pages start in it unless this device chose otherwise.
  var elderPref = localStorage.getItem("yiyang-elder");
  if (elderPref === "1" || (elderPref === null && document.documentElement.hasAttribute("data-elder-default"))) {
    document.documentElement.classList.add("elder");
  }

  document.addEventListener("DOMContentLoaded", function () {
    // The switch says whether the mode is on (its label and aria-pressed).
    var elderButtons = document.querySelectorAll("[data-elder-toggle]");
    function showElder() {
      var on = document.documentElement.classList.contains("elder");
      elderButtons.forEach(function (b) {
        b.setAttribute("aria-pressed", on ? "true" : "false");
        b.textContent = on ? "长辈模式：开" : "长辈模式：关";
      });
    }
    showElder();
    // Phones: the menu button opens the navigation and the account line.
    var menu = document.getElementById("menu-toggle");
    if (menu) {
      menu.addEventListener("click", function () {
        var open = menu.closest("header").classList.toggle("open");
        menu.setAttribute("aria-expanded", open ? "true" : "false");
        menu.textContent = open ? "收起" : "菜单";
      });
    }
    elderButtons.forEach(function (b) {
      b.addEventListener("click", function () {
        var on = document.documentElement.classList.toggle("elder");
        localStorage.setItem("yiyang-elder", on ? "1" : "0");
        showElder();
      });
    });

    // The scope switcher submits on change and returns to the current page.
    document.querySelectorAll("[data-current-path]").forEach(function (i) { i.value = location.pathname + location.search; });
    document.querySelectorAll("form[data-autosubmit] select").forEach(function (s) {
      s.addEventListener("change", function () { s.form.submit(); });
    });

    // Choosing another policy pack on the what-if page reloads its parameter list.
    document.querySelectorAll("select[data-autosubmit-change]").forEach(function (s) {
      s.addEventListener("change", function () { location.search = "?pack=" + encodeURIComponent(s.value); });
    });

    // A page showing work in progress (a benefit run being computed) reloads itself.
    document.querySelectorAll("[data-reload]").forEach(function (el) {
      var seconds = parseInt(el.getAttribute("data-reload"), 10) || 3;
      setTimeout(function () { location.reload(); }, seconds * 1000);
    });

    // "Back" links (error pages): the previous page when there is one, else the home page.
    document.querySelectorAll("a[data-back]").forEach(function (a) {
      a.addEventListener("click", function (e) { if (history.length > 1) { e.preventDefault(); history.back(); } });
    });

    // The duty desk (一键呼救): calls arrive on an event stream and go to the top of the list
    // within a second; the row is built with textContent only (no markup from the server).
    document.querySelectorAll("[data-sos-stream]").forEach(function (live) {
      if (!window.EventSource) return;
      var me = live.getAttribute("data-me");
      var body = document.querySelector("#calls tbody");
      var es = new EventSource(live.getAttribute("data-sos-stream"));
      es.addEventListener("reload", function () { location.reload(); });
      es.addEventListener("call", function (m) {
        var c = JSON.parse(m.data);
        var row = document.getElementById("call-" + c.id) || document.createElement("tr");
        row.id = "call-" + c.id;
        row.textContent = "";
        var turn = c.status === "待接警" ? (c.turn === me ? "请您接警" : (c.turn || "县级民政部门")) : "";
        var cells = [c.received_at, c.person, c.address, c.kind + (c.signals > 1 ? "（" + c.signals + " 次）" : ""),
          c.status + (c.what === "escalated" ? "，" + c.level : ""), turn];
        cells.forEach(function (t) { var td = document.createElement("td"); td.textContent = t; row.appendChild(td); });
        var td = document.createElement("td"), a = document.createElement("a");
        a.href = "/sos/calls/" + c.id; a.textContent = c.status === "已结束" ? "查看" : "处理";
        td.appendChild(a); row.appendChild(td);
        row.className = c.status === "已结束" ? "" : "open-row arrived" + (c.level.indexOf("升级") >= 0 ? " flag-row" : "");
        var empty = body.querySelector(".empty-row");
        if (empty) empty.remove();
        body.insertBefore(row, body.firstChild);
        var open = body.querySelectorAll("tr.open-row").length;
        var n = document.getElementById("open-count");
        if (n) n.textContent = String(open);
        live.textContent = "最新：" + c.received_at + " " + c.person + " " + c.kind + "（" + c.status + "）";
      });
    });

    // Dashboards: ECharts (served by the app) draws each [data-chart]; a bar or point with a
    // link opens it (the list its number counts, or the child division's dashboard).
    document.querySelectorAll("select[data-autosubmit-select]").forEach(function (s) {
      s.addEventListener("change", function () { s.form.submit(); });
    });
    if (window.echarts) {
      document.querySelectorAll("[data-chart]").forEach(function (el) {
        var d = JSON.parse(el.getAttribute("data-chart"));
        var chart = window.echarts.init(el, null, { renderer: "canvas" });
        var option;
        if (d.type === "map") {
          option = {
            title: { text: d.title, textStyle: { fontSize: 14 } },
            tooltip: { formatter: function (p) { return p.data[2]; } },
            legend: { bottom: 0 },
            xAxis: { type: "value", scale: true, name: "经度", splitLine: { show: false } },
            yAxis: { type: "value", scale: true, name: "纬度", splitLine: { show: false } },
            series: d.layers.map(function (l) { return { name: l.name, type: "scatter", symbolSize: 9, data: l.points }; })
          };
        } else {
          var series = { type: d.type, data: d.values, itemStyle: { color: "#2f6db5" }, label: { show: d.values.length <= 30, position: "top" } };
          if (d.target !== null && d.target !== undefined) {
            series.markLine = { symbol: "none", data: [{ yAxis: d.target, name: "目标" }], label: { formatter: "目标 {c}" }, lineStyle: { color: "#b03a2e" } };
          }
          option = {
            title: { text: d.title, textStyle: { fontSize: 14 } },
            tooltip: { trigger: "axis" },
            grid: { left: 48, right: 16, bottom: 64, top: 48 },
            xAxis: { type: "category", data: d.labels, axisLabel: { rotate: d.labels.length > 6 ? 40 : 0, interval: 0 } },
            yAxis: { type: "value", name: d.unit },
            series: [series]
          };
        }
        chart.setOption(option);
        chart.on("click", function (p) {
          var link = d.links && d.links[p.dataIndex];
          if (link) location.href = link;
        });
        window.addEventListener("resize", function () { chart.resize(); });
      });
    }

    // Check-in and check-out (home services): the phone's position goes with the form. Without
    // it the server refuses with a clear message; nothing is invented here.
    document.querySelectorAll("form[data-geo]").forEach(function (f) {
      f.addEventListener("submit", function (e) {
        if (f.elements.lat.value) return;
        e.preventDefault();
        locate(f, function () { f.submit(); });
      });
    });
    // Ordering from the parent's home: the family may record where the parent lives.
    document.querySelectorAll("form[data-geo-optional]").forEach(function (f) {
      var box = f.querySelector("[data-use-location]");
      if (!box) return;
      box.addEventListener("change", function () {
        if (box.checked) locate(f, function () {});
        else { f.elements.lat.value = ""; f.elements.lon.value = ""; }
      });
    });

    // Print buttons.
    document.querySelectorAll("[data-print]").forEach(function (b) { b.addEventListener("click", function () { window.print(); }); });

    // The assessment form: one step (basic information, then one dimension) at a time, with the
    // running score always visible. Without the script all steps show on one page.
    document.querySelectorAll("form[data-steps]").forEach(stepper);

    // Inline check of an ID number while typing (GB 11643); the server checks again.
    document.querySelectorAll("input[data-check-id]").forEach(function (input) {
      var err = document.getElementById("err-" + input.name);
      input.addEventListener("blur", function () {
        var msg = idProblem(input.value);
        if (!err) return;
        if (msg) { err.textContent = msg; err.hidden = false; input.closest(".field").classList.add("has-error"); }
        else if (input.dataset.touched) { err.hidden = true; input.closest(".field").classList.remove("has-error"); }
        input.dataset.touched = "1";
      });
    });

    // Import progress.
    var box = document.getElementById("progress");
    if (box) {
      var id = box.getAttribute("data-job");
      var poll = function () {
        fetch("/imports/" + id + "/status", { credentials: "same-origin" }).then(function (r) { return r.json(); }).then(function (j) {
          var pct = j.total_rows > 0 ? Math.floor(j.processed * 100 / j.total_rows) : 0;
          document.getElementById("bar").value = pct;
          document.getElementById("progress-text").textContent = "正在导入：已处理 " + j.processed + " / " + j.total_rows + " 行（" + pct + "%）";
          if (j.status !== "running") location.reload(); else setTimeout(poll, 1000);
        }).catch(function () { setTimeout(poll, 3000); });
      };
      setTimeout(poll, 500);
    }
  });

  function locate(f, then) {
    var status = f.querySelector(".geo-status");
    var say = function (t) { if (status) { status.textContent = t; status.hidden = false; } };
    if (!navigator.geolocation) { say("此手机无法定位"); then(); return; }
    say("正在定位……");
    navigator.geolocation.getCurrentPosition(function (p) {
      f.elements.lat.value = p.coords.latitude.toFixed(6);
      f.elements.lon.value = p.coords.longitude.toFixed(6);
      say("已定位（精度约 " + Math.round(p.coords.accuracy) + " 米）");
      then();
    }, function () { say("未能定位，请允许使用位置信息"); then(); }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
  }

  function stepper(form) {
    var steps = Array.prototype.slice.call(form.querySelectorAll("section.step"));
    var bar = document.getElementById("stepbar");
    if (!steps.length || !bar) return;
    form.classList.add("stepped");
    var at = 0;
    var missing = form.querySelector("fieldset.missing, [aria-invalid=true]");
    if (missing) at = Math.max(0, steps.indexOf(missing.closest("section.step")));
    var levels = [[90, 0], [66, 1], [46, 2], [30, 3], [0, 4]];
    var show = function () {
      steps.forEach(function (s, i) { s.hidden = i !== at; });
      document.getElementById("step-name").textContent = (at + 1) + "/" + steps.length + " " + steps[at].getAttribute("data-step-title");
      bar.querySelector("[data-step-prev]").disabled = at === 0;
      bar.querySelector("[data-step-next]").hidden = at === steps.length - 1;
      window.scrollTo(0, 0);
    };
    var score = function () {
      var total = 0, answered = 0, dims = [];
      form.querySelectorAll("section[data-dimension]").forEach(function (sec) {
        var sub = 0;
        sec.querySelectorAll("input[type=radio]:checked").forEach(function (r) { sub += parseInt(r.value, 10); answered++; });
        total += sub;
        dims.push(sec.getAttribute("data-step-title") + " " + sub);
      });
      document.getElementById("running-total").textContent = total;
      document.getElementById("answered").textContent = answered;
      document.getElementById("running-dims").textContent = dims.join(" · ");
      var lvl = "—";
      if (answered === 26) for (var i = 0; i < levels.length; i++) if (total >= levels[i][0]) { lvl = levels[i][1] + " 级"; break; }
      document.getElementById("running-level").textContent = lvl;
    };
    bar.querySelector("[data-step-prev]").addEventListener("click", function () { if (at > 0) { at--; show(); } });
    bar.querySelector("[data-step-next]").addEventListener("click", function () {
      var open = Array.prototype.filter.call(steps[at].querySelectorAll("fieldset.item"), function (f) { return !f.querySelector("input:checked"); });
      steps[at].querySelectorAll("fieldset.item").forEach(function (f) { f.classList.toggle("missing", open.indexOf(f) >= 0); });
      if (open.length) { open[0].scrollIntoView(); return; }
      if (at < steps.length - 1) { at++; show(); }
    });
    form.addEventListener("change", function (e) {
      score();
      var f = e.target.closest("fieldset.item");
      if (f) f.classList.remove("missing");
    });
    score();
    show();
  }

  function idProblem(raw) {
    var s = raw.trim().replace(/[\uFF10-\uFF19\uFF38\uFF58]/g, function (c) { return String.fromCharCode(c.charCodeAt(0) - 0xFEE0); }).toUpperCase();
    if (!s) return "请填写身份证号";
    if (/E\+?\d+$/.test(s)) return "身份证号被 Excel 转成了科学计数法，原号码已丢失";
    if (s.length !== 18) return "身份证号应为 18 位，实际为 " + s.length + " 位";
    if (!/^\d{17}[\dX]$/.test(s)) return "身份证号前 17 位只能是数字，最后一位只能是数字或 X";
    var w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2], sum = 0;
    for (var i = 0; i < 17; i++) sum += (s.charCodeAt(i) - 48) * w[i];
    var expect = "10X98765432"[sum % 11];
    if (expect !== s[17]) return "身份证号校验码错误：最后一位应为 " + expect + "，实际为 " + s[17];
    return "";
  }
})();

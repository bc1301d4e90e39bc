/* cvmreview pages: small, dependency-free helpers (plotly.js is loaded by the pages that plot). */
"use strict";
(function () {
  const CVM = {};

  function csrf() {
    const meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.content : "";
  }

  async function api(method, url, body) {
    const headers = { Accept: "application/json" };
    const token = csrf();
    if (token) headers["X-CSRF-Token"] = token;
    const init = { method, headers, credentials: "same-origin" };
    if (body instanceof FormData) init.body = body;
    else if (body !== undefined) {
      headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    const response = await fetch(url, init);
    if (response.status === 204) return null;
    let data = null;
    try { data = await response.json(); } catch (e) { data = null; }
    if (!response.ok) {
      let detail = data && data.detail ? data.detail : response.statusText;
      if (Array.isArray(detail)) detail = detail.map((d) => d.msg).join("; ");
      throw new Error(`${response.status}: ${detail}`);
    }
    return data;
  }

  function showError(form, error) {
    const slot = form.querySelector(".form-error");
    if (slot) slot.textContent = error ? error.message || String(error) : "";
  }

  const plotConfig = { responsive: true, displaylogo: false, scrollZoom: false,
    modeBarButtonsToRemove: ["lasso2d", "select2d"] };
  CVM.api = api;  // for static/timeline.js
  CVM.plotConfig = plotConfig;

  /* A figure as drawn: the server's layout recoloured for a dark scheme (static/theme.js). */
  function themed(layout) {
    return window.CVMTheme ? window.CVMTheme.layout(layout) : layout;
  }
  CVM.themed = themed;  // static/timeline.js redraws windows with it

  function figureOf(el) {
    const fig = JSON.parse(document.getElementById(el.dataset.figure).textContent);
    return { data: fig.data, layout: themed(fig.layout) };
  }

  function renderFigures(root) {
    if (!window.Plotly) return [];
    const plots = [];
    (root || document).querySelectorAll("[data-figure]").forEach((el) => {
      const fig = figureOf(el);
      window.Plotly.newPlot(el, fig.data, fig.layout, plotConfig);
      plots.push(el);
    });
    document.documentElement.dataset.figures = "done";
    return plots;
  }

  /* Draw ``first`` now and the other figures one per task afterwards, so the page answers
     input while the charts further down are still being drawn. */
  function renderFiguresProgressively(first) {
    if (!window.Plotly) return;
    const rest = Array.from(document.querySelectorAll("[data-figure]")).filter((el) => el !== first);
    if (first) {
      const fig = figureOf(first);
      window.Plotly.newPlot(first, fig.data, fig.layout, plotConfig);
    }
    const next = () => {
      const el = rest.shift();
      if (!el) { document.documentElement.dataset.figures = "done"; return; }
      const fig = figureOf(el);
      window.Plotly.newPlot(el, fig.data, fig.layout, plotConfig);
      setTimeout(next, 0);
    };
    setTimeout(next, 0);
  }

  /* Only a path on this site: "/\\host", "//host" and control characters lead elsewhere. */
  function localPath(target) {
    if (!target || target[0] !== "/" || /^\/[\/\\]/.test(target) || /[\\\x00-\x1f\x7f]/.test(target)) return "/";
    return target;
  }

  function wireAccount() {
    const logout = document.getElementById("logout");
    if (logout) logout.addEventListener("click", async () => {
      try { await api("POST", "/api/v1/auth/logout"); } finally { location.reload(); }
    });
    const login = document.getElementById("login-form");
    if (login) login.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      showError(login, null);
      const data = Object.fromEntries(new FormData(login).entries());
      try {
        await api("POST", "/api/v1/auth/login", data);
        location.assign(localPath(login.dataset.next));
      } catch (error) { showError(login, error); }
    });
  }

  function wireComments(root) {
    (root || document).querySelectorAll("form.comment-form").forEach((form) => {
      if (form.id === "line-comment-form") return;
      form.addEventListener("submit", async (ev) => {
        ev.preventDefault();
        showError(form, null);
        const body = { body: form.elements.body.value };
        if (form.dataset.fingerprint) body.fingerprint = form.dataset.fingerprint;
        if (form.dataset.line) body.line = Number(form.dataset.line);
        try {
          const c = await api("POST", `/api/v1/boots/${form.dataset.boot}/comments`, body);
          const count = document.getElementById("comment-count");
          if (count) count.textContent = String(Number(count.textContent) + 1);
          location.hash = body.fingerprint ? `finding-${body.fingerprint}` : `comment-${c.id}`;
          location.reload();
        } catch (error) { showError(form, error); }
      });
    });
  }

  function wireReview() {
    document.querySelectorAll(".status-select").forEach((select) => {
      select.addEventListener("change", async () => {
        const box = select.closest(".review-controls");
        showError(box, null);
        const url = `/api/v1/boots/${select.dataset.boot}/findings/${encodeURIComponent(select.dataset.fingerprint)}/status`;
        try {
          const row = await api("PUT", url, { status: select.value });
          const badge = select.closest(".finding").querySelector("[data-review-status]");
          badge.textContent = row.status;
          badge.className = `review-status rs-${row.status}`;
        } catch (error) { showError(box, error); }
      });
    });
    document.querySelectorAll(".known-toggle").forEach((button) => {
      button.addEventListener("click", async () => {
        const box = button.closest(".review-controls");
        const url = `/api/v1/boots/${button.dataset.boot}/known-issues/${encodeURIComponent(button.dataset.fingerprint)}`;
        try {
          if (button.dataset.known) await api("DELETE", url);
          else {
            const note = window.prompt("Why is this a known issue? (optional)", "") || "";
            await api("PUT", url, { rule_id: button.dataset.rule, note });
          }
          location.reload();
        } catch (error) { showError(box, error); }
      });
    });
  }

  /* -- boots list ------------------------------------------------------------------------ */
  CVM.bootsList = function () {
    const picks = Array.from(document.querySelectorAll(".compare-pick"));
    const compare = document.getElementById("compare-selected");
    function update() {
      const chosen = picks.filter((p) => p.checked);
      compare.disabled = chosen.length !== 2;
    }
    picks.forEach((p) => p.addEventListener("change", update));
    if (compare) compare.addEventListener("click", () => {
      const ids = picks.filter((p) => p.checked).map((p) => p.value).reverse();
      location.assign(`/compare?a=${ids[0]}&b=${ids[1]}`);
    });
    pollRows();
    const upload = document.getElementById("upload-form");
    if (upload) upload.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      showError(upload, null);
      const data = new FormData(upload);
      for (const [key, value] of Array.from(data.entries())) {
        if ((value instanceof File && !value.size && key !== "log") || value === "") data.delete(key);
      }
      const button = upload.querySelector("button[type=submit]");
      button.disabled = true;
      try {
        const created = await api("POST", "/api/v1/boots", data);
        location.assign(`/boots/${created.id}`);
      } catch (error) { showError(upload, error); button.disabled = false; }
    });
  };

  function pollRows() {
    const pending = () => Array.from(document.querySelectorAll("tr[data-boot-id]"))
      .filter((row) => ["queued", "running"].includes(row.dataset.status));
    if (!pending().length) return;
    const timer = setInterval(async () => {
      const rows = pending();
      if (!rows.length) { clearInterval(timer); return; }
      for (const row of rows) {
        try {
          const boot = await api("GET", `/api/v1/boots/${row.dataset.bootId}`);
          if (boot.status !== row.dataset.status) {
            row.dataset.status = boot.status;
            const badge = row.querySelector("[data-status]");
            badge.textContent = boot.status;
            badge.className = `status status-${boot.status}`;
            if (boot.platform) {
              const cell = row.querySelector("[data-platform]");
              cell.textContent = "";
              const span = document.createElement("span");
              span.className = "platform";
              span.textContent = boot.platform;
              cell.appendChild(span);
            }
            if (boot.worst_severity) {
              row.querySelector("[data-worst]").innerHTML = "";
              const span = document.createElement("span");
              span.className = `sev sev-${boot.worst_severity}`;
              span.textContent = boot.worst_severity;
              row.querySelector("[data-worst]").appendChild(span);
            }
          }
        } catch (e) { /* a missed poll is retried on the next tick */ }
      }
    }, 1500);
  }

  /* -- boot page ------------------------------------------------------------------------- */
  CVM.bootPage = function (bootId, hasResult) {
    window.cvmStartMs = performance.now();
    wireComments();
    wireReview();
    if (!hasResult) {
      const state = document.getElementById("analysis-state");
      if (state && ["queued", "running"].includes(state.dataset.status)) {
        const timer = setInterval(async () => {
          try {
            const boot = await api("GET", `/api/v1/boots/${bootId}`);
            if (!["queued", "running"].includes(boot.status)) { clearInterval(timer); location.reload(); }
          } catch (e) { /* retried */ }
        }, 1500);
      }
      return;
    }
    const plot = document.getElementById("timeline-plot");
    renderFiguresProgressively(plot);
    if (plot && window.Plotly && window.CVMTimeline) window.CVMTimeline.wire(plot, bootId, CVM);
    markReady();
  };

  /* Benchmarks and tests wait for this: every figure drawn, handlers attached. */
  function markReady() {
    window.cvmReadyMs = performance.now();
    document.documentElement.dataset.ready = "1";
  }

  /* -- log viewer ------------------------------------------------------------------------ */
  CVM.logPage = function () {
    const log = document.getElementById("log");
    const lines = document.getElementById("log-lines");
    const bootId = log.dataset.boot;
    const total = Number(log.dataset.total);
    const chunk = Number(log.dataset.chunk);
    const findingLines = JSON.parse(document.getElementById("finding-lines").textContent);
    let selected = null;

    function setRange() {
      document.getElementById("log-range").textContent =
        `lines ${Number(log.dataset.start).toLocaleString()}–${Number(log.dataset.end).toLocaleString()} of ${total.toLocaleString()}`;
      const before = document.getElementById("load-before");
      const after = document.getElementById("load-after");
      if (before) before.hidden = Number(log.dataset.start) <= 1;
      if (after) after.hidden = Number(log.dataset.end) >= total;
    }

    const hits = JSON.parse(document.getElementById("search-hits").textContent);
    const search = new URLSearchParams();
    if (log.dataset.q) {
      search.set("q", log.dataset.q);
      if (log.dataset.case === "exact") search.set("case", "exact");
    }

    async function fetchLines(start, count) {
      const params = new URLSearchParams(search);
      params.set("start", start); params.set("count", count);
      const response = await fetch(`/boots/${bootId}/log/lines?${params}`,
        { credentials: "same-origin" });
      if (!response.ok) throw new Error(`${response.status}`);
      const template = document.createElement("template");
      template.innerHTML = await response.text();
      return template.content;
    }

    async function loadAfter() {
      const end = Number(log.dataset.end);
      if (end >= total) return false;
      const fragment = await fetchLines(end + 1, chunk);
      lines.appendChild(fragment);
      log.dataset.end = Math.min(total, end + chunk);
      setRange();
      return true;
    }

    async function loadBefore() {
      const start = Number(log.dataset.start);
      if (start <= 1) return false;
      const from = Math.max(1, start - chunk);
      const fragment = await fetchLines(from, start - from);
      const anchor = lines.firstElementChild;
      const offset = anchor ? anchor.getBoundingClientRect().top : 0;
      lines.insertBefore(fragment, lines.firstChild);
      if (anchor) window.scrollBy(0, anchor.getBoundingClientRect().top - offset);
      log.dataset.start = from;
      setRange();
      return true;
    }

    function select(number, scroll) {
      document.querySelectorAll(".ll.selected").forEach((el) => el.classList.remove("selected"));
      const el = document.getElementById(`L${number}`);
      if (!el) return false;
      el.classList.add("selected");
      selected = number;
      const field = document.querySelector("#goto-form input[name=line]");
      if (field && document.activeElement !== field) field.value = number;
      if (scroll) el.scrollIntoView({ block: "center" });
      const box = document.getElementById("line-comment-box");
      if (box) {
        box.hidden = false;
        document.getElementById("line-comment-target").textContent = number;
      }
      return true;
    }

    /* Show the window around ``number`` in place of the lines shown (a far permalink, a
       search hit, a jump): one fragment request, no page load. */
    async function openWindow(number) {
      const from = Math.max(1, Math.min(number - 150, total - chunk + 1));
      const fragment = await fetchLines(from, chunk);
      lines.replaceChildren(fragment);
      log.dataset.start = from;
      log.dataset.end = Math.min(total, from + chunk - 1);
      setRange();
    }

    async function goTo(number) {
      number = Math.max(1, Math.min(total, number));
      if (number < Number(log.dataset.start) || number > Number(log.dataset.end)) {
        await openWindow(number);
      }
      permalink(number);
      select(number, true);
      showHit(number);
    }

    /* The address bar names the selected line in both places (a reload or a copied link
       opens the window around it, whatever window the page was first loaded with); the
       search stays in it. */
    function permalink(number) {
      const params = new URLSearchParams(search);
      params.set("line", number);
      history.replaceState(null, "", `${location.pathname}?${params}#L${number}`);
    }

    function showHit(number) {
      const index = document.getElementById("hit-index");
      if (!index) return;
      const at = hits.indexOf(number);
      index.textContent = at >= 0 ? `${(at + 1).toLocaleString()} of ` : "";
    }

    function hitStep(direction) {
      if (!hits.length) return;
      const from = selected || (direction > 0 ? Number(log.dataset.start) - 1 : Number(log.dataset.end) + 1);
      const target = direction > 0 ? hits.find((n) => n > from)
        : hits.slice().reverse().find((n) => n < from);
      if (target !== undefined) goTo(target);
    }

    function gotoLine(form) {
      const slot = document.getElementById("goto-error");
      const text = form.elements.line.value.trim().replace(/[,_ ]/g, "");
      const number = Number(text);
      if (!/^\d+$/.test(text) || number < 1 || number > total) {
        slot.textContent = `Line must be a whole number from 1 to ${total.toLocaleString()}.`;
        return;
      }
      slot.textContent = "";
      goTo(number);
    }

    function matches(el, kind) {
      if (kind === "any") return Boolean(el.dataset.kind);
      if (kind === "finding") return el.classList.contains("has-finding");
      return el.dataset.kind === kind;
    }

    async function jump(direction) {
      const kind = document.getElementById("jump-kind").value;
      const from = selected || (direction > 0 ? Number(log.dataset.start) - 1 : Number(log.dataset.end) + 1);
      if (kind === "finding") {
        const target = direction > 0 ? findingLines.find((n) => n > from)
          : findingLines.slice().reverse().find((n) => n < from);
        if (target !== undefined) goTo(target);
        return;
      }
      for (let attempt = 0; attempt < 25; attempt++) {
        const all = Array.from(lines.querySelectorAll(".ll"));
        const candidates = direction > 0 ? all.filter((el) => Number(el.dataset.line) > from)
          : all.filter((el) => Number(el.dataset.line) < from).reverse();
        const hit = candidates.find((el) => matches(el, kind));
        if (hit) { goTo(Number(hit.dataset.line)); return; }
        const more = direction > 0 ? await loadAfter() : await loadBefore();
        if (!more) return;
      }
    }

    lines.addEventListener("click", (ev) => {
      const link = ev.target.closest("a.ln");
      if (!link) return;
      ev.preventDefault();
      const number = Number(link.closest(".ll").dataset.line);
      permalink(number);
      select(number, false);
    });
    const before = document.getElementById("load-before");
    const after = document.getElementById("load-after");
    if (before) before.addEventListener("click", loadBefore);
    if (after) after.addEventListener("click", loadAfter);
    document.getElementById("jump-next").addEventListener("click", () => jump(1));
    document.getElementById("jump-prev").addEventListener("click", () => jump(-1));
    document.getElementById("goto-form").addEventListener("submit", (ev) => {
      ev.preventDefault();
      gotoLine(ev.target);
    });
    const hitNext = document.getElementById("hit-next");
    const hitPrev = document.getElementById("hit-prev");
    if (hitNext) hitNext.addEventListener("click", () => hitStep(1));
    if (hitPrev) hitPrev.addEventListener("click", () => hitStep(-1));
    document.addEventListener("keydown", (ev) => {
      if (ev.target.closest("input, textarea, select")) return;
      if (ev.key === "j") jump(1);
      if (ev.key === "k") jump(-1);
      if (ev.key === "n") hitStep(1);
      if (ev.key === "p") hitStep(-1);
    });
    const form = document.getElementById("line-comment-form");
    if (form) form.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      showError(form, null);
      try {
        await api("POST", `/api/v1/boots/${bootId}/comments`, { body: form.elements.body.value, line: selected });
        location.reload();
      } catch (error) { showError(form, error); }
    });
    setRange();
    const match = /^#L(\d+)$/.exec(location.hash);
    const wanted = new URLSearchParams(location.search).get("line");
    if (match) goTo(Number(match[1]));  // outside the loaded window: loads the one around it
    else if (!wanted && hits.length && hits[0] <= Number(log.dataset.end)) goTo(hits[0]);
  };

  /* -- compare --------------------------------------------------------------------------- */
  CVM.comparePage = function () {
    const plots = renderFigures().filter((el) => el.classList.contains("compare-plot"));
    let syncing = false;
    plots.forEach((plot) => {
      plot.on("plotly_relayout", async (change) => {
        if (syncing) return;
        let update = null;
        if (change["xaxis.range[0]"] !== undefined) {
          update = { "xaxis.range": [change["xaxis.range[0]"], change["xaxis.range[1]"]] };
        } else if (change["xaxis.range"]) update = { "xaxis.range": change["xaxis.range"] };
        else if (change["xaxis.autorange"]) update = { "xaxis.autorange": true };
        if (!update) return;
        syncing = true;
        try {
          await Promise.all(plots.filter((p) => p !== plot).map((p) => window.Plotly.relayout(p, update)));
        } finally { syncing = false; }
      });
    });
    markReady();
  };

  /* The page names its script in <body data-page>: no inline script, so the Content-Security-
     Policy can forbid them all. */
  function startPage() {
    const data = document.body.dataset;
    if (data.page === "bootPage") CVM.bootPage(Number(data.bootId), data.hasResult === "true");
    else if (data.page && typeof CVM[data.page] === "function") CVM[data.page]();
  }

  document.addEventListener("DOMContentLoaded", () => { wireAccount(); startPage(); });
  window.CVM = CVM;
})();

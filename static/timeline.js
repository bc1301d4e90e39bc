/* The boot page's encryption timeline, as Perfetto users expect it: a click on a mapping bar,
   a transition or a finding marker shows that item in the selection panel (its fields and
   links to its log lines); device tracks collapse to one row; W/S zoom and A/D pan (also
   +/- and the arrow keys while the pointer is over the chart); each zoom loads the window
   from the server. Loaded by the boot page after app.js, started by CVM.bootPage. */
"use strict";
(function () {
  const ZOOM_STEP = 0.2;   // a key press shows 20 % less (or 25 % more) of the axis
  const PAN_STEP = 0.15;   // and pans by 15 % of what is shown

  function logLink(bootId, line) {
    return `/boots/${bootId}/log?line=${line}#L${line}`;
  }

  /* What the selection panel lists for each kind of item: [title, fields, links]. */
  const DESCRIBE = {
    mapping(item, bootId) {
      const unmapped = item.unmap_line === null || item.unmap_line === undefined;
      const fields = [
        ["device", item.device],
        ["operation", item.operation],
        ["pages", `${item.pages} (${(item.pages * 4).toLocaleString()} KiB)`],
        ["map request", item.request_line ? `line ${item.request_line}` : "–"],
        ["mapped", item.map_line ? `line ${item.map_line}` : "–"],
        ["unmapped", unmapped ? "never (still mapped at the end of the log)" : `line ${item.unmap_line}`],
        ["lifetime", unmapped || !item.map_line ? "–" : `${(item.unmap_line - item.map_line).toLocaleString()} lines`],
        ["at ExitBootServices", item.live_at_ebs ? "still mapped (leak: the OS inherits it shared)" : "unmapped before"],
      ];
      const links = [];
      if (item.request_line) links.push(["map request", logLink(bootId, item.request_line)]);
      if (item.map_line) links.push(["map", logLink(bootId, item.map_line)]);
      if (!unmapped) links.push(["unmap", logLink(bootId, item.unmap_line)]);
      return [`${item.device} ${item.operation} mapping`, fields, links];
    },
    transition(item, bootId) {
      const fields = [
        ["line", String(item.line)],
        ["to", item.to],
        ["pages", String(item.pages)],
        ["first page", item.start],
        ["module", item.module || "–"],
        ["device", item.device || "–"],
      ];
      return [`made ${item.to}: ${item.pages} page(s)`, fields, [["log line", logLink(bootId, item.line)]]];
    },
    finding(item, bootId) {
      const fields = [["rule", item.id], ["severity", item.severity], ["line", String(item.line)]];
      const links = [["log line", logLink(bootId, item.line)], ["finding", `#finding-${item.fingerprint}`]];
      return [`${item.id}: ${item.title}`, fields, links];
    },
  };

  function showSelection(item, bootId) {
    const panel = document.getElementById("timeline-selection");
    const describe = DESCRIBE[item.kind];
    if (!panel || !describe) return;
    const [title, fields, links] = describe(item, bootId);
    panel.dataset.kind = item.kind;
    document.getElementById("selection-title").textContent = title;
    const list = document.getElementById("selection-fields");
    list.replaceChildren();
    for (const [name, value] of fields) {
      const dt = document.createElement("dt");
      dt.textContent = name;
      const dd = document.createElement("dd");
      dd.textContent = value;
      list.append(dt, dd);
    }
    const box = document.getElementById("selection-links");
    box.replaceChildren();
    for (const [label, href] of links) {
      const a = document.createElement("a");
      a.href = href;
      a.textContent = label;
      a.className = "pill";
      box.append(a);
    }
    panel.hidden = false;
  }

  /* Gantt rows: a collapsed device's bars all go to its first row (``device``), an expanded
     one's to their lanes; ``customdata`` carries both. */
  function trackRows(trace, collapsed) {
    return trace.customdata.map((item) => (item ? (collapsed.has(item.device) ? item.device : item.lane) : null));
  }

  function mappingTraces(data) {
    return data.map((trace, index) => [trace, index]).filter(([trace]) => trace.meta === "mappings");
  }

  function applyTracks(data, collapsed) {
    for (const [trace] of mappingTraces(data)) trace.y = trackRows(trace, collapsed);
  }

  function laneCounts(data) {
    const lanes = new Map();
    for (const [trace] of mappingTraces(data)) {
      for (const item of trace.customdata) {
        if (!item) continue;
        if (!lanes.has(item.device)) lanes.set(item.device, new Set());
        lanes.get(item.device).add(item.lane);
      }
    }
    return lanes;
  }

  function wire(plot, bootId, CVM) {
    const collapsed = new Set();
    let pending = null;
    let busy = false;
    let latest = 0;  // the newest window asked for: an older answer arriving late is dropped
    let pointerX = null;  // the x under the pointer, the centre of keyboard zoom
    let over = false;

    function renderTracks() {
      const box = document.getElementById("timeline-tracks");
      if (!box) return;
      box.replaceChildren();
      const lanes = Array.from(laneCounts(plot.data)).filter(([, rows]) => rows.size > 1);
      box.hidden = !lanes.length;
      for (const [device, rows] of lanes.sort()) {
        const button = document.createElement("button");
        button.type = "button";
        button.className = "track-toggle";
        button.dataset.device = device;
        const open = !collapsed.has(device);
        button.setAttribute("aria-expanded", String(open));
        button.textContent = `${open ? "▾" : "▸"} ${device} (${open ? `${rows.size} rows` : "collapsed"})`;
        button.addEventListener("click", () => toggleTrack(device));
        box.append(button);
      }
    }

    async function toggleTrack(device) {
      if (collapsed.has(device)) collapsed.delete(device); else collapsed.add(device);
      const traces = mappingTraces(plot.data);
      busy = true;
      try {
        await window.Plotly.restyle(plot, { y: traces.map(([trace]) => trackRows(trace, collapsed)) },
          traces.map(([, index]) => index));
      } finally { busy = false; }
      renderTracks();
    }

    plot.on("plotly_click", (ev) => {
      const point = ev.points && ev.points[0];
      const item = point && point.customdata;
      if (item && typeof item === "object" && item.kind) showSelection(item, bootId);
    });
    plot.on("plotly_relayout", (change) => {
      if (busy) return;
      let start = null, end = null;
      if (change["xaxis.range[0]"] !== undefined) {
        start = change["xaxis.range[0]"]; end = change["xaxis.range[1]"];
      } else if (change["xaxis.range"]) {
        [start, end] = change["xaxis.range"];
      } else if (!change["xaxis.autorange"]) return;
      clearTimeout(pending);
      pending = setTimeout(() => loadWindow(start, end), 200);
    });

    async function loadWindow(start, end) {
      const params = new URLSearchParams();
      if (start !== null) { params.set("start", start); params.set("end", end); }
      const url = `/api/v1/boots/${bootId}/timeline/window?${params}`;
      const asked = ++latest;
      try {
        const answer = await CVM.api("GET", url);
        if (asked !== latest) return;
        applyTracks(answer.figure.data, collapsed);
        busy = true;
        await window.Plotly.react(plot, answer.figure.data, CVM.themed(answer.figure.layout), CVM.plotConfig);
        busy = false;
        renderTracks();
        const page = new URL(location.href);
        page.searchParams.delete("start"); page.searchParams.delete("end");
        if (start !== null) { page.searchParams.set("start", Number(start).toFixed(3)); page.searchParams.set("end", Number(end).toFixed(3)); }
        page.hash = "timeline";
        history.replaceState(null, "", page);
        document.getElementById("timeline-permalink").href = page.toString();
        document.getElementById("timeline-json").href = url;
        plot.dataset.window = JSON.stringify(answer.window.window);
      } catch (e) { busy = false; }
    }

    /* Keyboard zoom and pan: the new range stays inside the boot (layout.meta.extent). */
    function moveTo(lo, hi) {
      const [first, last] = plot.layout.meta.extent;
      const span = Math.min(hi - lo, last - first);
      if (lo < first) { lo = first; hi = first + span; }
      if (hi > last) { hi = last; lo = last - span; }
      window.Plotly.relayout(plot, { "xaxis.range": [lo, hi] });
    }

    function zoom(factor) {
      const [lo, hi] = plot.layout.xaxis.range.map(Number);
      const centre = pointerX !== null && pointerX >= lo && pointerX <= hi ? pointerX : (lo + hi) / 2;
      const minimum = 2 * (plot.layout.meta.axis === "time" ? 1e-6 : 1);
      const share = (centre - lo) / (hi - lo);
      const span = Math.max(minimum, (hi - lo) * factor);
      moveTo(centre - share * span, centre + (1 - share) * span);
    }

    function pan(direction) {
      const [lo, hi] = plot.layout.xaxis.range.map(Number);
      const step = direction * PAN_STEP * (hi - lo);
      moveTo(lo + step, hi + step);
    }

    plot.addEventListener("mouseenter", () => { over = true; });
    plot.addEventListener("mouseleave", () => { over = false; pointerX = null; });
    plot.addEventListener("mousemove", (ev) => {
      const axis = plot._fullLayout && plot._fullLayout.xaxis;
      if (!axis) return;
      const left = plot.getBoundingClientRect().left + axis._offset;
      pointerX = axis.p2l(ev.clientX - left);
    });
    const KEYS = {
      w: () => zoom(1 - ZOOM_STEP), "+": () => zoom(1 - ZOOM_STEP), "=": () => zoom(1 - ZOOM_STEP),
      s: () => zoom(1 / (1 - ZOOM_STEP)), "-": () => zoom(1 / (1 - ZOOM_STEP)),
      a: () => pan(-1), d: () => pan(1),
    };
    const ARROWS = { ArrowLeft: () => pan(-1), ArrowRight: () => pan(1) };
    document.addEventListener("keydown", (ev) => {
      if (ev.ctrlKey || ev.metaKey || ev.altKey) return;
      if (ev.target.closest && ev.target.closest("input, textarea, select, [contenteditable]")) return;
      const action = KEYS[ev.key.toLowerCase()] || (over ? ARROWS[ev.key] : null);
      if (!action) return;
      ev.preventDefault();
      action();
    });
    const close = document.getElementById("selection-close");
    if (close) close.addEventListener("click", () => { document.getElementById("timeline-selection").hidden = true; });
    renderTracks();
  }

  window.CVMTimeline = { wire };
})();

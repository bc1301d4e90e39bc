/* Sortable tables: a click on a header of a ``table.sortable`` sorts its rows by that column
   (again: the other way). A cell's ``data-sort`` is its sort key when the shown text is not
   (``1.9 MiB`` sorts by bytes); columns of class ``num`` sort as numbers. Loaded by
   base.html: no inline script. */
"use strict";
(function () {
  function key(row, index, numeric) {
    const cell = row.cells[index];
    if (!cell) return numeric ? -Infinity : "";
    const raw = cell.dataset.sort !== undefined ? cell.dataset.sort : cell.textContent.trim();
    if (!numeric) return raw.toLowerCase();
    const number = Number(String(raw).replace(/[^0-9.eE+-]/g, ""));
    return Number.isFinite(number) && raw !== "" ? number : -Infinity;
  }

  function sortBy(table, header) {
    const index = Array.from(header.parentNode.children).indexOf(header);
    const numeric = header.classList.contains("num");
    const ascending = header.getAttribute("aria-sort") !== "ascending";
    table.querySelectorAll("th.sortable").forEach((th) => th.removeAttribute("aria-sort"));
    header.setAttribute("aria-sort", ascending ? "ascending" : "descending");
    const body = table.tBodies[0];
    const rows = Array.from(body.rows);
    rows.sort((a, b) => {
      const x = key(a, index, numeric), y = key(b, index, numeric);
      const order = x < y ? -1 : x > y ? 1 : 0;
      return ascending ? order : -order;
    });
    rows.forEach((row) => body.appendChild(row));
  }

  function wire(root) {
    (root || document).querySelectorAll("table.sortable").forEach((table) => {
      table.querySelectorAll("thead th").forEach((th) => {
        if (th.dataset.nosort !== undefined) return;
        th.classList.add("sortable");
        th.tabIndex = 0;
        th.addEventListener("click", () => sortBy(table, th));
        th.addEventListener("keydown", (ev) => { if (ev.key === "Enter") sortBy(table, th); });
      });
    });
  }

  document.addEventListener("DOMContentLoaded", () => wire());
  window.CVMTables = { wire };
})();

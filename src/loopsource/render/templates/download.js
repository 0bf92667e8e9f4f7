/* loopsource: download a chart as SVG or a table as CSV, from the page itself (no network).
   The only script of the page, allowed by its hash in the Content-Security-Policy; it holds no
   data and writes none into the page: it reads the element a button names and saves a Blob. */
(function () {
  "use strict";
  document.documentElement.className += " js";
  function save(text, type, name) {
    var a = document.createElement("a");
    a.href = URL.createObjectURL(new Blob([text], {type: type}));
    a.download = name;
    document.body.appendChild(a);
    a.click();
    setTimeout(function () { URL.revokeObjectURL(a.href); a.remove(); }, 2000);
  }
  function svgText(svg) {
    var copy = svg.cloneNode(true);
    copy.setAttribute("xmlns", "http://www.w3.org/2000/svg");
    var style = document.createElementNS("http://www.w3.org/2000/svg", "style");
    style.textContent = "text{font-family:Arial,Helvetica,sans-serif;font-size:11px;fill:#1d2430}" +
      ".axis{stroke:#c6ccd6;stroke-width:1}";
    copy.insertBefore(style, copy.firstChild);
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + new XMLSerializer().serializeToString(copy);
  }
  function cell(c) {
    var v = c.hasAttribute("data-value") ? c.getAttribute("data-value") : c.textContent.replace(/\s+/g, " ").trim();
    /* a name starting with = + - @ would be a formula in a spreadsheet: quote it as text */
    if (/^[=+\-@\t\r]/.test(v) && isNaN(Number(v))) { v = "'" + v; }
    return /[",\n;]/.test(v) ? '"' + v.replace(/"/g, '""') + '"' : v;
  }
  function csvText(table) {
    var grid = [], lines = [];
    Array.prototype.forEach.call(table.rows, function (tr, r) {
      grid[r] = grid[r] || [];
      var col = 0;
      Array.prototype.forEach.call(tr.cells, function (c) {
        while (grid[r][col] !== undefined) { col++; }
        var text = cell(c);
        for (var dr = 0; dr < (c.rowSpan || 1); dr++) {
          grid[r + dr] = grid[r + dr] || [];
          for (var dc = 0; dc < (c.colSpan || 1); dc++) {
            grid[r + dr][col + dc] = (dr === 0 && dc === 0) ? text : (dr > 0 && dc === 0 ? text : "");
          }
        }
        col += c.colSpan || 1;
      });
    });
    grid.forEach(function (row) { lines.push(row.map(function (x) { return x === undefined ? "" : x; }).join(",")); });
    return "\ufeff" + lines.join("\r\n") + "\r\n";
  }
  document.addEventListener("click", function (e) {
    var b = e.target.closest ? e.target.closest("button[data-download]") : null;
    if (!b) { return; }
    var el = document.getElementById(b.getAttribute("data-target"));
    if (!el) { return; }
    var name = b.getAttribute("data-name") || b.getAttribute("data-target");
    if (b.getAttribute("data-download") === "svg") {
      save(svgText(el), "image/svg+xml", name + ".svg");
    } else {
      save(csvText(el), "text/csv;charset=utf-8", name + ".csv");
    }
  });
}());

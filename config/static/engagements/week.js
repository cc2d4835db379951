// The weekly timesheet: live row and day totals, and arrow keys / Enter to move through the grid.
// (A static file: the CSP forbids inline scripts.)
(function () {
  function grid() { return document.getElementById("week-grid"); }
  function number(value) { var n = parseFloat(value); return isNaN(n) ? 0 : n; }
  function show(n) { return n.toFixed(2); }

  function recompute() {
    var table = grid();
    if (!table) { return; }
    var days = [0, 0, 0, 0, 0, 0, 0], week = 0;
    table.querySelectorAll("tbody tr[data-row]").forEach(function (row) {
      var total = 0;
      row.querySelectorAll("td[data-day]").forEach(function (cell) {
        var day = Number(cell.getAttribute("data-day"));
        var input = cell.querySelector("input.week-hours");
        var hours = number(cell.getAttribute("data-imported")) + (input ? number(input.value) : 0);
        days[day] += hours; total += hours;
      });
      week += total;
      var out = row.querySelector("[data-row-total]");
      if (out) { out.textContent = show(total); }
    });
    days.forEach(function (hours, day) {
      var out = table.querySelector('[data-day-total="' + day + '"]');
      if (out) { out.textContent = show(hours); }
    });
    var out = table.querySelector("[data-week-total]");
    if (out) { out.textContent = show(week); }
  }

  function move(input, rows, columns) {
    var cell = input.closest("td"), row = cell.closest("tr");
    var rowsList = Array.prototype.slice.call(grid().querySelectorAll("tbody tr[data-row]"));
    var r = rowsList.indexOf(row) + rows, day = Number(cell.getAttribute("data-day")) + columns;
    while (r >= 0 && r < rowsList.length && day >= 0 && day < 7) {
      var next = rowsList[r].querySelector('td[data-day="' + day + '"] input.week-hours:not([disabled])');
      if (next) { next.focus(); next.select(); return true; }
      r += rows; day += columns;
      if (!rows && !columns) { break; }
    }
    return false;
  }

  document.addEventListener("input", function (event) {
    if (event.target.classList && event.target.classList.contains("week-hours")) { recompute(); }
  });
  document.addEventListener("keydown", function (event) {
    var input = event.target;
    if (!(input instanceof HTMLInputElement) || !input.classList.contains("week-hours")) { return; }
    var moved = false;
    if (event.key === "ArrowDown" || (event.key === "Enter" && !event.shiftKey)) { moved = move(input, 1, 0); }
    else if (event.key === "ArrowUp" || (event.key === "Enter" && event.shiftKey)) { moved = move(input, -1, 0); }
    if (moved || event.key === "Enter") { event.preventDefault(); }
  });
  document.addEventListener("DOMContentLoaded", recompute);
})();

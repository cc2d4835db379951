// On a narrow screen a chart keeps its width (its text stays readable) and its box scrolls sideways:
// open each such box at its right end, where the latest months are, and say that earlier ones are to the left.
// A file, not an inline script: the CSP forbids inline scripts.
(function () {
  function openAtLatest() {
    document.querySelectorAll(".chart-box").forEach(function (box) {
      if (box.scrollWidth <= box.clientWidth + 1 || box.dataset.scrolled) {
        return;
      }
      box.dataset.scrolled = "1";
      box.scrollLeft = box.scrollWidth;
      var hint = document.createElement("p");
      hint.className = "note chart-hint";
      hint.textContent = "\u2190 Scroll left for earlier months.";
      box.parentNode.insertBefore(hint, box);
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", openAtLatest);
  } else {
    openAtLatest();
  }
})();

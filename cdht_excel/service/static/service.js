// cdht serve: the one script of the pages (the strict CSP allows no inline script): "copy" for a new unit link.
// The pages work without it: the link is in a read-only field to select and copy by hand.
"use strict";
(function () {
  var field = document.querySelector("[data-link-url]");
  var button = document.querySelector("[data-copy]");
  if (!field || !button) { return; }
  button.hidden = false;
  field.addEventListener("focus", function () { field.select(); });
  button.addEventListener("click", function () {
    field.select();
    var done = function () { var note = document.querySelector("[data-copied]"); if (note) { note.hidden = false; } };
    if (navigator.clipboard && navigator.clipboard.writeText) {
      navigator.clipboard.writeText(field.value).then(done, function () { document.execCommand("copy"); done(); });
    } else { document.execCommand("copy"); done(); }
  });
})();

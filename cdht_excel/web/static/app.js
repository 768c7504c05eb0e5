// cdht web: drag and drop of files and folders, folder picking, one upload with relative names.
// Served by the package (no internet); the page works without it (plain form submission).
"use strict";

(function () {
  function readEntry(entry, prefix, out) {
    return new Promise(function (resolve) {
      if (entry.isFile) {
        entry.file(function (file) { out.push({ file: file, name: prefix + file.name }); resolve(); }, function () { resolve(); });
      } else if (entry.isDirectory) {
        var reader = entry.createReader();
        var all = [];
        (function more() {
          reader.readEntries(function (batch) {
            if (!batch.length) {
              Promise.all(all.map(function (e) { return readEntry(e, prefix + entry.name + "/", out); })).then(resolve);
            } else { all = all.concat(Array.prototype.slice.call(batch)); more(); }
          }, function () { resolve(); });
        })();
      } else { resolve(); }
    });
  }

  function setup(form) {
    var input = form.querySelector("[data-files]");
    var zone = form.querySelector("[data-dropzone]");
    var picked = form.querySelector("[data-picked]");
    var message = form.querySelector("[data-message]");
    var busy = form.querySelector("[data-busy]");
    var toggle = form.querySelector("[data-folder-toggle]");
    var dropped = [];
    var submitter = null;

    function chosen() {
      if (dropped.length) { return dropped; }
      return Array.prototype.map.call(input.files, function (f) { return { file: f, name: f.webkitRelativePath || f.name }; });
    }
    function show() {
      var list = chosen();
      var size = list.reduce(function (s, x) { return s + x.file.size; }, 0);
      picked.textContent = list.length ? ("Đã chọn " + list.length + " tệp (" + (size / 1048576).toFixed(1).replace(".", ",") + " MB): " +
        list.slice(0, 6).map(function (x) { return x.name; }).join("; ") + (list.length > 6 ? "; …" : "")) : "Chưa chọn tệp nào.";
    }
    input.addEventListener("change", function () { dropped = []; show(); });
    if (toggle) {
      toggle.addEventListener("change", function () {
        if (toggle.checked) { input.setAttribute("webkitdirectory", ""); } else { input.removeAttribute("webkitdirectory"); }
      });
    }
    ["dragenter", "dragover"].forEach(function (type) {
      zone.addEventListener(type, function (e) { e.preventDefault(); zone.classList.add("over"); });
    });
    zone.addEventListener("dragleave", function () { zone.classList.remove("over"); });
    zone.addEventListener("drop", function (e) {
      e.preventDefault();
      zone.classList.remove("over");
      var items = e.dataTransfer.items;
      var out = [];
      var waits = [];
      for (var i = 0; items && i < items.length; i++) {
        var entry = items[i].webkitGetAsEntry ? items[i].webkitGetAsEntry() : null;
        if (entry) { waits.push(readEntry(entry, "", out)); }
      }
      if (!waits.length) {
        Array.prototype.forEach.call(e.dataTransfer.files, function (f) { out.push({ file: f, name: f.name }); });
      }
      Promise.all(waits).then(function () { dropped = out; show(); });
    });
    form.querySelectorAll("button[type=submit]").forEach(function (b) {
      b.addEventListener("click", function () { submitter = b; });
    });

    form.addEventListener("submit", function (e) {
      e.preventDefault();
      var list = chosen();
      var total = list.reduce(function (s, x) { return s + x.file.size; }, 0);
      var maxFiles = parseInt(form.dataset.maxFiles, 10), maxTotal = parseInt(form.dataset.maxTotal, 10);
      if (list.length > maxFiles) {
        message.textContent = form.dataset.tooMany.replace("{count}", list.length); message.hidden = false; return;
      }
      if (total > maxTotal) {
        message.textContent = form.dataset.tooLarge.replace("{size}", (total / 1048576).toFixed(1).replace(".", ","));
        message.hidden = false; return;
      }
      var data = new FormData(form);
      data.delete(input.name);
      list.forEach(function (x) { data.append(input.name, x.file, x.name); });
      if (submitter && submitter.name) { data.append(submitter.name, submitter.value); }
      form.querySelectorAll("button").forEach(function (b) { b.disabled = true; });
      if (busy) { busy.hidden = false; }
      fetch(form.getAttribute("action"), { method: "POST", body: data, credentials: "same-origin" }).then(function (response) {
        if (response.redirected) { window.location.assign(response.url); return null; }
        return response.text().then(function (html) { document.open(); document.write(html); document.close(); });
      }).catch(function () {
        form.querySelectorAll("button").forEach(function (b) { b.disabled = false; });
        if (busy) { busy.hidden = true; }
        message.textContent = "Không gửi được tệp lên (chương trình cdht web đã tắt?). Chạy lại cdht web rồi thử lại.";
        message.hidden = false;
      });
    });
  }

  function showPicked(pick) {
    var input = pick.querySelector("input[type=file]");
    var name = pick.querySelector("[data-file-name]");
    input.addEventListener("change", function () {
      name.textContent = input.files.length ? Array.prototype.map.call(input.files, function (f) { return f.name; }).join("; ") : "Chưa chọn tệp.";
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-file-pick]").forEach(showPicked);
    document.querySelectorAll("form[data-upload]").forEach(setup);
    document.querySelectorAll("button[data-busy-text]").forEach(function (b) {
      b.form.addEventListener("submit", function () { b.textContent = b.dataset.busyText; setTimeout(function () { b.disabled = true; }, 0); });
    });
  });
})();

// Live countdowns: <span class="countdown" data-due="ISO" data-warn="ISO" data-met="ISO?">.
(function () {
  function fmt(ms) {
    var m = Math.floor(Math.abs(ms) / 60000), d = Math.floor(m / 1440), h = Math.floor((m % 1440) / 60), mm = m % 60;
    if (d > 0) return d + "天" + h + "小时";
    if (h > 0) return h + "小时" + mm + "分";
    var s = Math.floor(Math.abs(ms) / 1000) % 60;
    return mm + "分" + (s < 10 ? "0" : "") + s + "秒";
  }
  function tick() {
    var now = Date.now();
    document.querySelectorAll(".countdown[data-due]").forEach(function (el) {
      if (el.dataset.met) return;
      var due = Date.parse(el.dataset.due), warn = Date.parse(el.dataset.warn || el.dataset.due), left = due - now;
      el.textContent = left >= 0 ? "剩余 " + fmt(left) : "已超时 " + fmt(left);
      el.classList.remove("ok", "warn", "bad");
      el.classList.add(left < 0 ? "bad" : now >= warn ? "warn" : "ok");
    });
  }
  tick();
  setInterval(tick, 1000);
})();

// Small enhancements only: every page works without this file.
document.addEventListener("click", (e) => {
  const t = e.target.closest("[data-confirm]");
  if (t && !window.confirm(t.getAttribute("data-confirm"))) e.preventDefault();
  const back = e.target.closest("[data-back]");
  if (back) { e.preventDefault(); history.back(); }
});

// Live workbench: the server says when the queues change (server-sent events); a banner then
// offers to refresh. Nothing reloads by itself, so nothing typed is lost. A stream ends after
// ten minutes and is reopened on the next sign of the person being there, so that a workbench
// left alone lets the session time out as it should.
(() => {
  const box = document.querySelector("[data-events]");
  if (!box || !window.EventSource) return;
  const banner = document.getElementById("queue-banner");
  let source = null;
  let resting = false;
  const open = () => {
    source = new EventSource(box.getAttribute("data-events"));
    source.addEventListener("queues", (e) => {
      let d;
      try { d = JSON.parse(e.data); } catch { return; }
      for (const [code, n] of [["todo", d.todo], ["read", d.read]]) {
        const badge = box.querySelector(`[data-count="${code}"]`);
        if (badge && Number.isInteger(n)) {
          badge.textContent = String(n);
          badge.classList.toggle("some", n > 0);
        }
      }
      if (banner) {
        const link = banner.querySelector("a");
        if (link) link.textContent = d.new ? "有新的待办，点击刷新" : "待办事项有变化，点击刷新";
        banner.hidden = false;
      }
    });
    source.addEventListener("end", () => {
      source.close();
      source = null;
      resting = true;
    });
  };
  const wake = () => {
    if (resting && !source) {
      resting = false;
      open();
    }
  };
  for (const kind of ["pointerdown", "keydown", "focus"]) window.addEventListener(kind, wake, { passive: true });
  document.addEventListener("visibilitychange", () => { if (!document.hidden) wake(); });
  open();
})();

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

// 常用意见: a click puts the opinion into its box (after what is there), to be edited there.
document.addEventListener("click", (e) => {
  const chip = e.target.closest("[data-opinion]");
  if (!chip) return;
  const group = chip.closest("[data-for]");
  const box = group && document.getElementById(group.getAttribute("data-for"));
  if (!box) return;
  const text = chip.getAttribute("data-opinion");
  box.value = box.value.trim() ? box.value.replace(/\s+$/, "") + text : text;
  box.focus();
  box.setSelectionRange(box.value.length, box.value.length);
});

// Enter in a field of an action form does not send it: a decision is sent by its button, not by
// a stray key (nor by the Enter that ends a Chinese input method's composition). Ctrl+Enter in an
// opinion box sends the form on purpose, asking first where its button asks.
document.addEventListener("keydown", (e) => {
  if (e.key !== "Enter" || e.isComposing || e.keyCode === 229) return;
  const form = e.target.closest && e.target.closest("form.act-form");
  if (!form) return;
  const tag = e.target.tagName;
  if (tag === "TEXTAREA") {
    if (!(e.ctrlKey || e.metaKey)) return;
    e.preventDefault();
    const button = form.querySelector("button[type=submit]:not([formaction])");
    if (!button) return;
    const ask = button.getAttribute("data-confirm");
    if (ask && !window.confirm(ask)) return;
    form.requestSubmit(button);
    return;
  }
  if (tag === "INPUT" || tag === "SELECT") e.preventDefault();
});

// 综合查询: the exact count of a search is fetched only when asked for, and put in place of the
// capped or estimated total; without this script the link opens the count as a page.
document.addEventListener("click", (e) => {
  const link = e.target.closest("[data-exact-count]");
  if (!link) return;
  const total = document.getElementById(link.getAttribute("data-exact-count"));
  if (!total || !window.fetch) return;
  e.preventDefault();
  link.textContent = "正在计数…";
  fetch(link.href, { credentials: "same-origin" })
    .then((r) => (r.ok ? r.text() : Promise.reject(r.status)))
    .then((html) => {
      const n = new DOMParser().parseFromString(html, "text/html").querySelector("[data-exact-total]");
      if (!n) return Promise.reject("no count");
      total.textContent = n.textContent;
      const note = link.closest("[data-count-note]");
      if (note) note.textContent = "（精确计数）";
    })
    .catch(() => { window.location.href = link.href; });
});

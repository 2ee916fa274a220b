// Small enhancements only: every page works without this file.
document.addEventListener("click", (e) => {
  const t = e.target.closest("[data-confirm]");
  if (t && !window.confirm(t.getAttribute("data-confirm"))) e.preventDefault();
  const back = e.target.closest("[data-back]");
  if (back) { e.preventDefault(); history.back(); }
});

// Re-analyse the edit form's unsaved content as the editor works, and swap in
// the panel's HTML. Rich text and StreamField update hidden inputs without
// input events, so the form is also compared on a slow poll.
(() => {
  const DEBOUNCE_MS = 700;
  const POLL_MS = 3000;

  const serialise = (form) => new URLSearchParams(new FormData(form)).toString();

  const attach = (panel) => {
    const form = panel.closest("form");
    const target = panel.querySelector("[data-seo-report]");
    const url = panel.dataset.seoAnalysisUrl;
    if (!form || !target || !url) return;
    // An empty report (a new page) is filled from the form straight away.
    let sent = target.children.length ? serialise(form) : null;
    let timer = null;
    let controller = null;

    const refresh = async () => {
      const body = new FormData(form);
      const state = new URLSearchParams(body).toString();
      if (state === sent) return;
      sent = state;
      if (controller) controller.abort();
      controller = new AbortController();
      panel.setAttribute("aria-busy", "true");
      try {
        const response = await fetch(url, {
          method: "POST",
          body,
          signal: controller.signal,
          credentials: "same-origin",
        });
        if (response.ok) {
          target.innerHTML = await response.text();
        }
      } catch (error) {
        if (error.name !== "AbortError") throw error;
      } finally {
        panel.removeAttribute("aria-busy");
      }
    };

    const schedule = () => {
      clearTimeout(timer);
      timer = setTimeout(refresh, DEBOUNCE_MS);
    };
    form.addEventListener("input", schedule);
    form.addEventListener("change", schedule);
    setInterval(refresh, POLL_MS);
    if (sent === null) refresh();
  };

  const start = () => {
    document.querySelectorAll("[data-seo-analysis-url]").forEach(attach);
  };
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();

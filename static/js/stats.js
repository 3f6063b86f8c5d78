// Counts this page view, and the first use of a lead form, with the page's own
// beacon: no cookie, nothing about the reader. The server also leaves out bots,
// prefetches, signed-in staff and Do-Not-Track or Global Privacy Control.
(function () {
  "use strict";
  var script = document.currentScript;
  var beacon = script && script.dataset.stats;
  var LEAD_FORMS = 'form[action$="/leads/enquiry/"], form[data-lead-form]';
  if (!beacon || navigator.doNotTrack === "1" || navigator.globalPrivacyControl) {
    return;
  }

  function send(kind) {
    fetch(beacon + kind, {
      method: "POST",
      credentials: "same-origin",
      cache: "no-store",
      keepalive: true,
    }).catch(function () {});
  }

  function onFormUse(event) {
    var target = event.target;
    if (!(target instanceof Element) || !target.closest(LEAD_FORMS)) {
      return;
    }
    document.removeEventListener("focusin", onFormUse);
    document.removeEventListener("input", onFormUse);
    send("start");
  }

  function start() {
    send("view");
    document.addEventListener("focusin", onFormUse);
    document.addEventListener("input", onFormUse);
  }

  // A prerendered page counts when the reader actually opens it.
  if (document.prerendering) {
    document.addEventListener("prerenderingchange", start, { once: true });
  } else {
    start();
  }
})();

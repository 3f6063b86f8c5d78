// The lead form on a cached page: fill in what belongs to this reader.
//
// The page's HTML is the same for every reader (it comes from a shared cache or
// a CDN), so it carries no token and no attribution. When the page loads, each
// form gets a fresh signed token from the server (its time trap counts from
// now, so a browser's autofill is not mistaken for a bot), the UTM values of
// this page's address and the referrer. Only empty fields are filled: a page
// that already holds values (the confirmation page) keeps them. Without this
// script, or if the request fails, the server asks the reader to confirm once.
(function () {
  "use strict";
  var UTM = ["utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content"];
  var params = new URLSearchParams(window.location.search);

  function fill(form, name, value) {
    var input = form.elements.namedItem(name);
    if (input && !input.value && value) {
      input.value = value;
    }
  }

  Array.prototype.forEach.call(
    document.querySelectorAll("form[data-token-url]"),
    function (form) {
      UTM.forEach(function (name) {
        fill(form, name, params.get(name));
      });
      fill(form, "referrer", document.referrer);
      if (form.elements.namedItem("form_token").value) {
        return;
      }
      fetch(form.getAttribute("data-token-url"), {
        cache: "no-store",
        credentials: "omit",
        headers: { Accept: "application/json" },
      })
        .then(function (response) {
          return response.ok ? response.json() : null;
        })
        .then(function (data) {
          if (data && data.token) {
            fill(form, "form_token", data.token);
          }
        })
        .catch(function () {});
    }
  );
})();

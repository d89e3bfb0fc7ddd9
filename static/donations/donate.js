// Progressive enhancement for /donate/: the form works the same without this file.
// - typing another amount selects "Another amount"; picking a preset clears that box;
// - the fields for gifts over £50 show only when the amount is over £50;
// - the button says what will happen; a second click cannot send the form twice.
(function () {
  "use strict";
  var form = document.getElementById("donate-form");
  if (!form) { return; }
  var threshold = parseInt(form.getAttribute("data-threshold"), 10) || 5000;
  var extra = document.getElementById("permissibility");
  var other = document.getElementById("id_other_amount");
  var button = document.getElementById("donate-submit");
  var otherRadio = form.querySelector('input[name="amount"][value="other"]');

  function amountPence() {
    var typed = (other.value || "").replace(/[£,\s]/g, "");
    var chosen = form.querySelector('input[name="amount"]:checked');
    if (typed !== "") {
      var value = Number(typed);
      return isFinite(value) ? Math.round(value * 100) : null;
    }
    if (chosen && chosen.value !== "other") { return parseInt(chosen.value, 10); }
    return null;
  }

  function money(pence) {
    var pounds = Math.floor(pence / 100), rest = pence % 100;
    var text = "£" + pounds.toLocaleString("en-GB");
    return rest ? text + "." + (rest < 10 ? "0" : "") + rest : text;
  }

  function update() {
    var pence = amountPence();
    var hasErrors = extra.querySelector(".is-invalid") !== null;
    extra.hidden = !(hasErrors || (pence !== null && pence > threshold));
    var monthly = form.querySelector('input[name="frequency"]:checked');
    if (pence !== null && pence > 0) {
      button.textContent = "Give " + money(pence) +
        (monthly && monthly.value === "monthly" ? " a month" : "") + " securely";
    } else {
      button.textContent = "Continue to secure payment";
    }
  }

  other.addEventListener("input", function () {
    if (other.value.trim() !== "" && otherRadio) { otherRadio.checked = true; }
    update();
  });
  form.addEventListener("change", function (event) {
    var target = event.target;
    if (target.name === "amount" && target.value !== "other") { other.value = ""; }
    if (target.name === "amount" && target.value === "other") { other.focus(); }
    update();
  });
  form.addEventListener("submit", function (event) {
    if (form.getAttribute("data-sent") === "yes") { event.preventDefault(); return; }
    form.setAttribute("data-sent", "yes");
    button.setAttribute("aria-disabled", "true");
  });
  // Coming Back from Stripe's page restores this page from the cache: allow a new try.
  window.addEventListener("pageshow", function () {
    form.removeAttribute("data-sent");
    button.removeAttribute("aria-disabled");
  });
  var problems = document.getElementById("form-problems");
  if (problems) { problems.focus(); }
  update();
})();

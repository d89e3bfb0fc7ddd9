// Progressive enhancement for the caller's screen: the pages work the same without this file.
// - the call form shows one step at a time, following the script's rules (the server applies
//   the same rules on saving: events/phonebank/script.py): "Spoke to them" leads through the
//   script, any other result straight to saving; an answer's "then" ends the script or jumps
//   to a later step; questions that note a political opinion are asked only after a "Yes" to
//   the agreement step before them; answers on steps not taken are cleared before sending;
// - the time a contact is still kept for this caller counts down;
// - a second tap on a button cannot send a form twice.
(function () {
  "use strict";

  function countDown() {
    var held = document.querySelector("[data-held-until]");
    if (!held) { return; }
    var until = Date.parse(held.getAttribute("data-held-until"));
    var left = held.querySelector("[data-held-left]");
    if (isNaN(until) || !left) { return; }
    function tick() {
      var minutes = Math.ceil((until - Date.now()) / 60000);
      if (minutes > 0) {
        left.textContent = minutes + " more minute" + (minutes === 1 ? "" : "s");
        return;
      }
      held.textContent = "Your 15 minutes are up. Save the result now: until you do, " +
        "another caller may be given this person.";
      held.classList.add("hold-time-up");
      window.clearInterval(timer);
    }
    var timer = window.setInterval(tick, 15000);
    tick();
  }

  function sendOnce(form) {
    form.addEventListener("submit", function (event) {
      if (form.getAttribute("data-sent") === "yes") { event.preventDefault(); return; }
      form.setAttribute("data-sent", "yes");
      var button = form.querySelector("button[type=submit]");
      if (button) { button.setAttribute("aria-disabled", "true"); }
    });
    // Back from the next page restores this one from the cache: allow sending again.
    window.addEventListener("pageshow", function () { form.removeAttribute("data-sent"); });
  }

  function inputsOf(panel) {
    return Array.prototype.slice.call(panel.querySelectorAll("input, textarea"));
  }

  function chosen(panel) {
    return inputsOf(panel)
      .filter(function (input) { return (input.type === "radio" || input.type === "checkbox") && input.checked; })
      .map(function (input) { return input.value; });
  }

  function stepByStep(form) {
    if (form.querySelector("[data-form-errors]")) { return; } // show everything that needs fixing
    var panels = Array.prototype.slice.call(form.querySelectorAll("[data-panel]"));
    var find = function (name) {
      return panels.filter(function (panel) { return panel.getAttribute("data-panel") === name; })[0] || null;
    };
    var resultPanel = find("result");
    var save = find("save");
    if (!resultPanel || !save) { return; }
    var privacy = find("privacy");
    var volunteer = find("volunteer");
    var notes = find("notes"); // shown with the Save button, whatever the result
    var steps = panels.filter(function (panel) { return panel.getAttribute("data-panel") === "step"; });
    var callback = form.querySelector("[data-callback]");
    var summary = form.querySelector("[data-save-summary]");
    var path = [];

    function result() {
      var checked = resultPanel.querySelector("input[name=result]:checked");
      return checked ? checked.value : "";
    }

    function agreed() {
      for (var i = path.length - 1; i >= 0; i--) {
        if (path[i].getAttribute("data-kind") === "agreement") {
          var answer = chosen(path[i]);
          return answer.length === 1 && answer[0] === "Yes";
        }
      }
      return false;
    }

    function fromStep(index) {
      for (var i = index; i < steps.length; i++) {
        if (steps[i].getAttribute("data-political") === "yes" && !agreed()) { continue; }
        return steps[i];
      }
      return volunteer || save;
    }

    function thenOf(panel) {
      var picked = chosen(panel);
      var inputs = inputsOf(panel);
      for (var i = 0; i < inputs.length; i++) {
        var then = inputs[i].getAttribute("data-then") || "next";
        if (picked.indexOf(inputs[i].value) !== -1 && then !== "next") { return then; }
      }
      return "next";
    }

    function after(panel) {
      var name = panel.getAttribute("data-panel");
      if (name === "result") { return result() === "spoke" ? (privacy || fromStep(0)) : save; }
      if (name === "privacy") { return fromStep(0); }
      if (name === "volunteer") { return save; }
      var index = steps.indexOf(panel);
      var then = thenOf(panel);
      if (then === "end") { return volunteer || save; }
      if (then.indexOf("step:") === 0) {
        var target = parseInt(then.slice(5), 10);
        var here = parseInt(panel.getAttribute("data-position"), 10);
        for (var i = index + 1; i < steps.length; i++) {
          if (target > here && parseInt(steps[i].getAttribute("data-position"), 10) === target) {
            return fromStep(i);
          }
        }
      }
      return fromStep(index + 1);
    }

    function missing(panel) {
      if (panel !== resultPanel) { return ""; }
      if (!result()) { return "Choose how the call went."; }
      var time = form.querySelector("input[name=callback_at]");
      if (result() === "call_back" && time && !time.value) { return "Say when to call them back."; }
      return "";
    }

    function show(panel) {
      panels.forEach(function (other) {
        other.hidden = other !== panel && !(other === notes && panel === save);
      });
      var title = panel.querySelector(".script-step-title, legend, button");
      if (title && path.length > 1) {
        if (!title.hasAttribute("tabindex") && title.tagName !== "BUTTON") { title.setAttribute("tabindex", "-1"); }
        title.focus();
      }
    }

    function go(panel) {
      if (panel === save && summary) {
        var checked = resultPanel.querySelector("input[name=result]:checked");
        var label = checked ? form.querySelector('label[for="' + checked.id + '"]') : null;
        summary.textContent = label ? "How the call went: " + label.textContent + "." : "";
        summary.hidden = !label;
      }
      path.push(panel);
      show(panel);
    }

    function back() {
      if (path.length > 1) { path.pop(); show(path[path.length - 1]); }
    }

    function nav(panel, withNext) {
      var bar = document.createElement("div");
      bar.className = "step-nav";
      if (panel !== resultPanel) {
        var previous = document.createElement("button");
        previous.type = "button";
        previous.className = "btn btn-outline-secondary";
        previous.textContent = "Back";
        previous.addEventListener("click", back);
        bar.appendChild(previous);
      }
      if (withNext) {
        var next = document.createElement("button");
        next.type = "button";
        next.className = "btn btn-campaign";
        next.textContent = "Next";
        var note = document.createElement("p");
        note.className = "step-missing";
        note.setAttribute("role", "alert");
        next.addEventListener("click", function () {
          var problem = missing(panel);
          note.textContent = problem;
          if (!problem) { go(after(panel)); }
        });
        bar.appendChild(next);
        panel.appendChild(bar);
        panel.appendChild(note);
        return;
      }
      panel.appendChild(bar);
    }

    function toggleCallback() {
      if (callback) { callback.hidden = result() !== "call_back"; }
    }

    form.classList.add("js-steps");
    panels.forEach(function (panel) { if (panel !== save && panel !== notes) { nav(panel, true); } });
    nav(save, false);
    save.insertBefore(save.lastChild, save.querySelector("button[type=submit]")); // Back above Save
    resultPanel.addEventListener("change", toggleCallback);
    toggleCallback();

    form.addEventListener("submit", function () {
      // Send only what the caller was asked: answers on steps not taken are cleared.
      panels.forEach(function (panel) {
        if (panel === resultPanel || panel === notes || path.indexOf(panel) !== -1) { return; }
        inputsOf(panel).forEach(function (input) {
          if (input.type === "radio" || input.type === "checkbox") { input.checked = false; } else { input.value = ""; }
        });
      });
      if (result() !== "call_back" && callback) {
        var time = callback.querySelector("input");
        if (time) { time.value = ""; }
      }
    });
    go(resultPanel);
  }

  countDown();
  Array.prototype.forEach.call(document.querySelectorAll("form[data-once], form[data-call-form]"), sendOnce);
  var form = document.querySelector("form[data-call-form]");
  if (form) { stepByStep(form); }
}());

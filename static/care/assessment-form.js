/* Assessment form enhancements. The form works without this file; it only:
   - shows or hides conditional follow-up questions as the answer they depend on changes;
   - computes the budget ratio as the amounts are typed;
   - greys out the other boxes of a requirement when "not applicable", "never" or "nobody" is ticked;
   - warns before leaving a step with unsaved changes;
   - after a save, moves the focus to the confirmation (the page opens on it, #messages). */
(function () {
  "use strict";
  var told = document.getElementById("messages");
  if (told && window.location.hash === "#messages") { told.focus(); }
  var form = document.querySelector("form[data-care-form]");
  if (!form) { return; }

  var SEPARATOR = "__";
  var EXCLUSIVE = ["na", "never", "nobody"];

  function byName(name) { return form.querySelectorAll('[name="' + CSS.escape(name) + '"]'); }

  function radioValue(name) {
    var checked = form.querySelector('input[name="' + CSS.escape(name) + '"]:checked');
    return checked ? checked.value : null;
  }

  function parseNumber(text) {
    var cleaned = (text || "").replace(/[\s\u00a0\u202f€%]/g, "").replace(",", ".");
    if (cleaned === "" || !/^-?\d*\.?\d+$/.test(cleaned)) { return null; }
    return parseFloat(cleaned);
  }

  function formatPercent(value) {
    return value.toLocaleString("fr-FR", { maximumFractionDigits: 2 });
  }

  // --- conditional follow-ups ------------------------------------------------------------------
  var followUps = Array.prototype.slice.call(document.querySelectorAll("[data-condition-on]"));

  function sectionOf(code) { return document.getElementById("req-" + code); }

  function conditionHolds(section) {
    var parent = section.getAttribute("data-condition-on");
    var parentSection = sectionOf(parent);
    if (!parentSection || parentSection.hidden) { return false; }
    var value = radioValue(parent);
    if (value === null) {
      // The parent is read-only here: its stored answer decided on the server.
      if (byName(parent).length === 0) { return !section.hasAttribute("data-server-hidden"); }
      return false;
    }
    var expected = JSON.parse(section.getAttribute("data-condition-values") || "[]");
    return expected.indexOf(value) !== -1;
  }

  function refreshFollowUps() {
    // Follow-ups can depend on follow-ups: repeat until nothing changes.
    for (var pass = 0; pass < 5; pass++) {
      var changed = false;
      followUps.forEach(function (section) {
        var hidden = !conditionHolds(section);
        if (section.hidden !== hidden) { section.hidden = hidden; changed = true; }
      });
      if (!changed) { return; }
    }
  }

  followUps.forEach(function (section) {
    if (section.hidden) { section.setAttribute("data-server-hidden", ""); }
  });

  // --- live ratio ------------------------------------------------------------------------------
  function refreshRatio(output) {
    var code = output.getAttribute("data-ratio-for");
    var numerator = byName(code + SEPARATOR + "numerator")[0];
    var denominator = byName(code + SEPARATOR + "denominator")[0];
    if (!numerator || !denominator) { return; }
    var n = parseNumber(numerator.value), d = parseNumber(denominator.value);
    var met = parseFloat(output.getAttribute("data-met"));
    var partial = parseFloat(output.getAttribute("data-partial"));
    var target = formatPercent(100 * met);
    if (n === null || d === null || d <= 0) {
      output.textContent = "Le ratio sera calculé à partir des deux montants (cible : " + target + " %).";
      return;
    }
    if (n < 0 || n > d) {
      output.textContent = "Vérifiez les montants : les dépenses doivent être comprises entre 0 et le total.";
      return;
    }
    var ratio = n / d;
    var verdict = ratio >= met ? "cible atteinte" : (!isNaN(partial) && ratio >= partial ? "cible partiellement atteinte" : "cible non atteinte");
    output.textContent = "Ratio : " + formatPercent(100 * ratio) + " % (cible : " + target + " %) — " + verdict + ".";
  }
  var ratios = Array.prototype.slice.call(document.querySelectorAll("[data-ratio-for]"));

  // --- exclusive boxes -------------------------------------------------------------------------
  function refreshExclusive(box) {
    var section = box.closest("[data-requirement]");
    if (!section) { return; }
    var others = section.querySelectorAll("input:not([type=checkbox]):not([type=hidden]), input[type=checkbox]");
    var anyChecked = false;
    section.querySelectorAll("input[type=checkbox]").forEach(function (other) {
      if (other.checked && isExclusive(other)) { anyChecked = true; }
    });
    others.forEach(function (input) {
      if (input.type === "checkbox" && isExclusive(input)) {
        input.disabled = anyChecked && !input.checked;
      } else {
        input.disabled = anyChecked;
      }
    });
  }

  function isExclusive(input) {
    var parts = input.name.split(SEPARATOR);
    return parts.length > 1 && EXCLUSIVE.indexOf(parts[parts.length - 1]) !== -1;
  }

  // --- conflicts: take the other person's answer back into the boxes --------------------------
  document.querySelectorAll("[data-take-theirs]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () {
      var parts = JSON.parse(button.getAttribute("data-take-theirs"));
      Object.keys(parts).forEach(function (name) {
        byName(name).forEach(function (input) {
          if (input.type === "radio") {
            input.checked = input.value === String(parts[name]);
          } else if (input.type === "checkbox") {
            input.checked = parts[name] === true;
          } else {
            input.value = parts[name];
          }
          input.disabled = false;
        });
      });
      form.querySelectorAll("input[type=checkbox]").forEach(function (box) {
        if (isExclusive(box)) { refreshExclusive(box); }
      });
      ratios.forEach(refreshRatio);
      refreshFollowUps();
      dirty = true;
    });
  });

  // --- unsaved changes -------------------------------------------------------------------------
  // A page shown again with errors or a conflict holds typed values not yet saved.
  var dirty = form.hasAttribute("data-care-unsaved");
  var submitting = false;

  form.addEventListener("input", function () { dirty = true; });
  form.addEventListener("change", function (event) {
    dirty = true;
    if (event.target.type === "radio") { refreshFollowUps(); }
    if (event.target.type === "checkbox" && isExclusive(event.target)) { refreshExclusive(event.target); }
  });
  form.addEventListener("input", function (event) {
    ratios.forEach(function (output) {
      if (event.target.name && event.target.name.indexOf(output.getAttribute("data-ratio-for") + SEPARATOR) === 0) {
        refreshRatio(output);
      }
    });
  });
  form.addEventListener("submit", function () { submitting = true; });
  window.addEventListener("beforeunload", function (event) {
    if (dirty && !submitting) {
      event.preventDefault();
      event.returnValue = "";
    }
  });

  refreshFollowUps();
  // Shown again with errors: start from their summary, which links to each box.
  var summary = document.getElementById("form-errors");
  if (summary && !window.location.hash) { summary.focus(); }
  form.querySelectorAll("input[type=checkbox]").forEach(function (box) {
    if (isExclusive(box) && box.checked) { refreshExclusive(box); }
  });
})();

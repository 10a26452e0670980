import { embedMessages } from "./messages.ts";

// /v1/embed.js, kept readable: plain ES2017 a browser runs as it is, no build step. It turns each
// <form data-ringback-key="rb_pk_…" data-ringback-domain="dom_…"> into a JSON POST to the
// CallMeBack intake on the script's own origin, with the publishable key as `api_key` in the URL
// (where the preflight can see it: lib/browser.ts). It intercepts submit, so a form's plain
// `action` (a signed link) is used only without JavaScript; the no-JS fields it skips
// (consent_text, consent_version) are the ones that contract adds. Field errors go next to their
// field (aria-invalid, aria-describedby), the outcome to a live status region, in the page's
// language. String.raw: the regular expressions keep their backslashes.
const source = String.raw`(function () {
  "use strict";
  var script = document.currentScript;
  var endpoint = new URL("/api/v1/form_responses", script && script.src ? script.src : location.href);
  var words = /*WORDS*/;
  // Fields of the no-JS form that are not form data: the consent record is built from the box.
  var skipped = ["consent", "consent_text", "consent_version", "api_key"];
  var serial = 0;

  function wordsFor(form) {
    var holder = form.closest("[lang]") || document.documentElement;
    var code = (holder.getAttribute("lang") || "en").toLowerCase().split("-")[0];
    // Own properties only: lang="constructor" must not find Object's.
    return Object.prototype.hasOwnProperty.call(words, code) ? words[code] : words.en;
  }

  function consentBox(form) {
    return form.querySelector("input[type=checkbox][data-ringback-consent-version], input[type=checkbox][name=consent]");
  }

  function hidden(form, name) {
    var field = form.querySelector("input[name=" + name + "]");
    return field ? field.value : "";
  }

  // The text the lead was shown (the box's label), its version, and whether they ticked it.
  function consentOf(form, box) {
    var label = box.labels && box.labels[0] ? box.labels[0].textContent : "";
    var text = label.replace(/\s+/g, " ").trim() || hidden(form, "consent_text");
    var version = box.getAttribute("data-ringback-consent-version") || hidden(form, "consent_version");
    return { text: text.slice(0, 10000), version: version || null, checked: box.checked, page_url: location.href.slice(0, 2048) };
  }

  function formData(form) {
    var data = Object.create(null);
    new FormData(form).forEach(function (value, name) {
      if (typeof value !== "string" || skipped.indexOf(name) >= 0) return;
      value = value.trim();
      if (value) data[name] = name in data ? data[name] + ", " + value : value;
    });
    return data;
  }

  function status(form) {
    var region = form.querySelector("[data-ringback-status]");
    if (!region) {
      region = document.createElement("p");
      region.setAttribute("data-ringback-status", "");
      region.className = "ringback-status";
      form.appendChild(region);
    }
    region.setAttribute("role", "status");
    region.setAttribute("aria-live", "polite");
    return region;
  }

  function say(form, text) {
    status(form).textContent = text;
  }

  function clearErrors(form) {
    form.querySelectorAll("[data-ringback-error]").forEach(function (note) { note.remove(); });
    form.querySelectorAll("[aria-invalid]").forEach(function (field) {
      field.removeAttribute("aria-invalid");
      var rest = (field.getAttribute("aria-describedby") || "").split(" ").filter(function (id) { return id && id.indexOf("ringback-error-") !== 0; });
      if (rest.length) field.setAttribute("aria-describedby", rest.join(" "));
      else field.removeAttribute("aria-describedby");
    });
  }

  function fieldError(field, text) {
    var note = document.createElement("span");
    note.id = "ringback-error-" + ++serial;
    note.className = "ringback-error";
    note.setAttribute("data-ringback-error", "");
    note.textContent = text;
    // After the label that wraps the field (inside it, it would become part of the field's name).
    var label = field.closest("label");
    (label || field).insertAdjacentElement("afterend", note);
    field.setAttribute("aria-invalid", "true");
    field.setAttribute("aria-describedby", ((field.getAttribute("aria-describedby") || "") + " " + note.id).trim());
  }

  function fieldOf(form, path) {
    if (path === "consent" || path.indexOf("consent.") === 0) return { name: "consent", field: consentBox(form) };
    var name = path.indexOf("form_data.") === 0 ? path.slice(10) : path;
    var field = form.elements.namedItem(name);
    if (field && !field.tagName) field = field[0];
    return { name: name, field: field && field.tagName ? field : null };
  }

  function wordFor(t, name, message) {
    if (name === "consent") return t.consent;
    if (message === "is required") return t.required;
    if (message === "is invalid") return t[name === "email" || name === "phone" ? name : "invalid"];
    return message;
  }

  function showErrors(form, t, details) {
    var loose = [];
    Object.keys(details).forEach(function (path) {
      var found = fieldOf(form, path);
      var text = details[path].map(function (m) { return wordFor(t, found.name, m); }).join(" ");
      if (found.field) fieldError(found.field, text);
      else loose.push(path + ": " + details[path].join(", "));
    });
    var first = form.querySelector("[aria-invalid=true]");
    say(form, loose.length ? loose.join("; ") : t.fix);
    if (first) first.focus();
  }

  function answered(form, t, code, body) {
    if (code === 200 || code === 201) {
      form.reset();
      say(form, t.sent);
      form.dispatchEvent(new CustomEvent("ringback:sent", { detail: body }));
    } else if (code === 422 && body.details) showErrors(form, t, body.details);
    else if (code === 429) say(form, t.busy);
    else say(form, body.error || t.failed);
  }

  function busy(form, on) {
    form.setAttribute("aria-busy", on ? "true" : "false");
    form.querySelectorAll("button, input[type=submit]").forEach(function (b) { b.disabled = on; });
  }

  function submit(form, event) {
    event.preventDefault();
    if (form.getAttribute("aria-busy") === "true") return;
    var t = wordsFor(form);
    clearErrors(form);
    var response = {
      domain_id: form.getAttribute("data-ringback-domain") || "",
      form_data: formData(form),
      source_url: location.href.slice(0, 2048),
      user_agent: navigator.userAgent.slice(0, 1024),
    };
    var box = consentBox(form);
    if (box) response.consent = consentOf(form, box);
    var url = new URL(endpoint.href);
    url.searchParams.set("api_key", form.getAttribute("data-ringback-key") || "");
    busy(form, true);
    say(form, t.sending);
    fetch(url.href, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ form_response: response }), credentials: "omit" })
      .then(function (res) {
        return res.json().catch(function () { return {}; }).then(function (body) { answered(form, t, res.status, body); });
      })
      .catch(function () { say(form, t.failed); })
      .then(function () { busy(form, false); });
  }

  function attach(form) {
    if (form.hasAttribute("data-ringback-ready")) return;
    form.setAttribute("data-ringback-ready", "");
    // The server checks every field and says what is wrong in the page's language.
    form.noValidate = true;
    status(form);
    form.addEventListener("submit", function (event) { submit(form, event); });
  }

  function scan() {
    document.querySelectorAll("form[data-ringback-key]").forEach(attach);
  }

  window.RingbackEmbed = { scan: scan };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", scan);
  else scan();
})();
`;

/** The script as served: the source with its messages in. */
export const embedScript = source.replace("/*WORDS*/", JSON.stringify(embedMessages));

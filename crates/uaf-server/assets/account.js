// The account page: who is signed in and how, your phones (add with a QR code, name,
// remove, turn phone sign-in off), sign out here or everywhere.
// No framework, no build step; relative URLs (a path prefix works); every text goes in with
// textContent; the QR code is the server's SVG, parsed as SVG (never as HTML).
"use strict";

(function () {
  const $ = (id) => document.getElementById(id);

  function status(text, isError) {
    const s = $("status");
    s.textContent = text || "";
    s.classList.toggle("error", !!isError);
  }

  async function call(method, path, body) {
    const init = { method, credentials: "same-origin", headers: { Accept: "application/json" } };
    if (method === "POST") {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body || {});
    }
    const r = await fetch(path, init);
    let data = {};
    try { data = await r.json(); } catch (_) { /* not JSON */ }
    if (r.status === 401) {
      // Signed out (here or everywhere): back to the sign-in page.
      window.location.replace("./");
    }
    return { status: r.status, data };
  }

  function when(secs) {
    return new Date(secs * 1000).toLocaleString();
  }

  function el(tag, text, cls) {
    const e = document.createElement(tag);
    if (text !== undefined) e.textContent = text;
    if (cls) e.className = cls;
    return e;
  }

  function button(text, cls, onClick) {
    const b = el("button", text, cls);
    b.type = "button";
    b.addEventListener("click", onClick);
    return b;
  }

  function phoneItem(p) {
    const li = el("li", undefined, "phone");
    li.dataset.phoneId = p.id;
    const title = el("p", p.name ? p.name + " (" + p.model + ")" : p.model, "phone-name");
    li.appendChild(title);
    const used = p.lastUsedAt ? "last used " + when(p.lastUsedAt) : "not used yet";
    li.appendChild(el("p", "Added " + when(p.addedAt) + ", " + used + ".", "hint"));

    const form = el("form", undefined, "rename");
    const inputId = "name-" + p.id;
    const label = el("label", "Name");
    label.htmlFor = inputId;
    const input = el("input");
    input.id = inputId;
    input.type = "text";
    input.maxLength = 64;
    input.value = p.name || "";
    input.placeholder = p.model;
    form.appendChild(label);
    form.appendChild(input);
    const save = el("button", "Save name");
    save.type = "submit";
    form.appendChild(save);
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const r = await call("POST", "api/account/phones/" + encodeURIComponent(p.id) + "/name",
        { name: input.value });
      if (r.status !== 200) return status(r.data.error || "The name was not saved.", true);
      status("Name saved.");
      await load();
    });
    li.appendChild(form);

    const remove = button("Remove this phone", "danger remove", () => {
      remove.hidden = true;
      confirm.hidden = false;
      yes.focus();
    });
    const confirm = el("div", undefined, "confirm");
    confirm.hidden = true;
    confirm.appendChild(el("p", "Remove this phone? It can no longer approve sign-ins, and " +
      "it deletes its key the next time it is online."));
    const yes = button("Yes, remove it", "danger remove-yes", async () => {
      const r = await call("POST", "api/account/phones/" + encodeURIComponent(p.id) + "/remove");
      if (r.status !== 200) return status(r.data.error || "The phone was not removed.", true);
      status("Phone removed.");
      await load();
    });
    confirm.appendChild(yes);
    confirm.appendChild(button("Cancel", "", () => {
      confirm.hidden = true;
      remove.hidden = false;
      remove.focus();
    }));
    li.appendChild(remove);
    li.appendChild(confirm);
    return li;
  }

  function activityItem(e) {
    const li = el("li", undefined, e.signedIn ? "event ok" : "event refused");
    li.dataset.outcome = e.outcome;
    li.appendChild(el("p", e.outcomeDescription, "event-outcome"));
    li.appendChild(el("p", when(e.at) + " · " + e.methodDescription, "hint"));
    const where = [e.browser, e.clientIp].filter((x) => x).join(" · ");
    if (where) li.appendChild(el("p", where, "hint event-browser"));
    if (e.detail) li.appendChild(el("p", e.detail, "hint"));
    return li;
  }

  async function loadTwoStep() {
    const r = await call("GET", "api/account/two-step");
    const toggle = $("two-step-toggle");
    if (r.status !== 200) {
      $("two-step-state").textContent = "Two-step verification cannot be read now.";
      toggle.hidden = true;
      return;
    }
    const t = r.data;
    $("two-step-state").textContent = t.enabled
      ? "On: a password sign-in also needs your phone's approval or a verification code."
      : "Off: a password alone signs you in (one factor). A phone sign-in is always two factors.";
    $("two-step-hint").textContent = t.codesAvailable
      ? "Your phone app shows the verification codes of this account."
      : "Add a phone first: its app gives the verification codes.";
    toggle.textContent = t.enabled ? "Turn off two-step verification"
                                   : "Turn on two-step verification";
    toggle.dataset.enabled = t.enabled ? "true" : "false";
    toggle.hidden = !t.enabled && !t.codesAvailable;
  }

  async function toggleTwoStep() {
    const on = $("two-step-toggle").dataset.enabled !== "true";
    const r = await call("POST", "api/account/two-step", { enabled: on });
    if (r.status !== 200) {
      return status(r.data.error || "Two-step verification was not changed.", true);
    }
    status(r.data.enabled ? "Two-step verification is on." : "Two-step verification is off.");
    await loadTwoStep();
  }

  function render(a) {
    $("username").textContent = a.username;
    $("method").textContent = a.methodDescription;
    $("factors").textContent = a.factors.length
      ? "Factors proved: " + a.factors.join(" and ") + ". Signed in " + when(a.signedInAt) +
        ", until " + when(a.expiresAt) + "."
      : "Signed in " + when(a.signedInAt) + ".";
    const list = $("phones");
    list.replaceChildren(...a.phones.map(phoneItem));
    $("no-phones").hidden = a.phones.length > 0;
    $("phones-off").hidden = a.phones.length === 0;
    $("phones-off-confirm").hidden = true;
    const events = a.activity || [];
    $("activity").replaceChildren(...events.map(activityItem));
    $("no-activity").hidden = events.length > 0;
    $("sessions").textContent = a.sessions === 1
      ? "You are signed in on this browser only."
      : "You are signed in on " + a.sessions + " browsers (this one included).";
    document.title = "Your account: " + a.username;
    $("account").hidden = false;
  }

  async function load() {
    let r;
    try {
      r = await call("GET", "api/account");
    } catch (_) {
      status("The server cannot be reached.", true);
      return;
    }
    if (r.status === 200) {
      render(r.data);
      await loadTwoStep();
    } else if (r.status !== 401) status(r.data.error || "The account could not be read.", true);
  }

  async function addPhone() {
    status("Making a code for your phone…");
    const r = await call("POST", "api/account/phones/add");
    if (r.status !== 200) return status(r.data.error || "No code could be made.", true);
    const svg = new DOMParser().parseFromString(r.data.qrSvg, "image/svg+xml").documentElement;
    const qr = $("qr");
    if (svg && svg.nodeName === "svg") qr.replaceChildren(document.importNode(svg, true));
    else qr.replaceChildren();
    $("enrol-code").textContent = r.data.code;
    $("enrol-server").textContent = r.data.server;
    $("enrol-link").textContent = r.data.link;
    $("enrol-expires").textContent = when(r.data.expiresAt);
    $("enrol").hidden = false;
    $("add-phone").hidden = true;
    status("Scan the code with your phone.");
    $("enrol-done").focus();
  }

  async function enrolDone() {
    $("enrol").hidden = true;
    $("qr").replaceChildren();
    $("add-phone").hidden = false;
    status("");
    await load();
    $("add-phone").focus();
  }

  async function phonesOff() {
    const r = await call("POST", "api/account/phones/remove-all");
    if (r.status !== 200) return status(r.data.error || "Phone sign-in was not turned off.", true);
    status("Phone sign-in is off: " + r.data.removed + " phone(s) removed.");
    await load();
  }

  async function signout() {
    await call("POST", "api/signout");
    window.location.replace("./#signed-out");
  }

  async function signoutEverywhere() {
    const r = await call("POST", "api/account/signout-everywhere");
    if (r.status === 200) window.location.replace("./");
    else status(r.data.error || "Not signed out.", true);
  }

  $("add-phone").addEventListener("click", addPhone);
  $("enrol-done").addEventListener("click", enrolDone);
  $("phones-off").addEventListener("click", () => {
    $("phones-off").hidden = true;
    $("phones-off-confirm").hidden = false;
    $("phones-off-yes").focus();
  });
  $("phones-off-yes").addEventListener("click", phonesOff);
  $("phones-off-no").addEventListener("click", () => {
    $("phones-off-confirm").hidden = true;
    $("phones-off").hidden = false;
    $("phones-off").focus();
  });
  $("two-step-toggle").addEventListener("click", toggleTwoStep);
  $("signout").addEventListener("click", signout);
  $("signout-everywhere").addEventListener("click", signoutEverywhere);
  load();
})();

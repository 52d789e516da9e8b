// The sign-in page: "Use an app instead" → the phone approves → a session.
// No framework, no build step; every request goes to this server (relative URLs, so a
// path prefix works), cookies are HttpOnly and never touched here.
"use strict";

(function () {
  const $ = (id) => document.getElementById(id);
  const views = { signin: $("signin-view"), wait: $("wait-view"), done: $("done-view") };
  let polling = null; // { id, timer, source }

  function show(name) {
    for (const [k, v] of Object.entries(views)) v.hidden = k !== name;
  }

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
    return { status: r.status, data };
  }

  function stopPolling() {
    if (polling) {
      clearTimeout(polling.timer);
      if (polling.source) polling.source.close();
    }
    polling = null;
  }

  async function showMe() {
    const me = await call("GET", "api/me");
    if (me.status !== 200) return false;
    stopPolling();
    $("signed-in").textContent = "Signed in as " + me.data.username;
    $("factors").textContent =
      "Two factors in one approval: " + (me.data.factors || []).join(" and ") + ".";
    show("done");
    status("");
    $("signout").focus();
    return true;
  }

  const messages = {
    declined: "The sign-in was declined on your phone.",
    expired: "The sign-in request expired. Try again.",
    failed: "Your phone's answer could not be verified. Try again.",
    consumed: "This sign-in was already used. Try again.",
    unknown: "The sign-in request expired. Try again.",
  };

  function giveUp(state) {
    stopPolling();
    show("signin");
    status(messages[state] || "The sign-in did not complete. Try again.", true);
    $("username").focus();
  }

  async function poll(id, every) {
    if (!polling || polling.id !== id) return;
    let r;
    try {
      r = await call("GET", "api/signin/" + encodeURIComponent(id));
    } catch (_) {
      polling.timer = setTimeout(() => poll(id, every), every);
      return;
    }
    if (!polling || polling.id !== id) return;
    const state = r.status === 200 ? r.data.state : "unknown";
    if (state === "pending") {
      polling.timer = setTimeout(() => poll(id, every), every);
      return;
    }
    settle(id, state);
  }

  // The attempt's state pushed by the server (Server-Sent Events); polling is the fallback
  // when the stream cannot be opened or breaks.
  function watch(id, every) {
    if (typeof EventSource !== "function") {
      polling.timer = setTimeout(() => poll(id, every), every);
      return;
    }
    const source = new EventSource("api/signin/" + encodeURIComponent(id) + "/events");
    polling.source = source;
    source.addEventListener("state", (e) => {
      if (!polling || polling.id !== id) { source.close(); return; }
      let state;
      try { state = JSON.parse(e.data).state; } catch (_) { return; }
      if (state === "pending") return;
      source.close();
      polling.source = null;
      settle(id, state);
    });
    source.addEventListener("error", () => {
      source.close();
      if (!polling || polling.id !== id || polling.source !== source) return;
      polling.source = null;
      poll(id, every);
    });
  }

  async function settle(id, state) {
    if (state === "approved") {
      stopPolling();
      status("Approved. Signing you in…");
      const c = await call("POST", "api/signin/" + encodeURIComponent(id) + "/complete");
      if (c.status === 200 && (await showMe())) return;
      giveUp(c.data.state || "failed");
      return;
    }
    giveUp(state);
  }

  async function start(event) {
    event.preventDefault();
    const username = $("username").value.trim();
    if (!username) {
      status("Enter your user name.", true);
      $("username").focus();
      return;
    }
    stopPolling();
    status("Sending a sign-in request to your phone…");
    let r;
    try {
      r = await call("POST", "api/signin/start", { username });
    } catch (_) {
      status("The server cannot be reached.", true);
      return;
    }
    if (r.status !== 200) {
      status(r.data.error || "The sign-in could not start.", true);
      return;
    }
    $("match-code").textContent = r.data.matchCode;
    show("wait");
    status("Waiting for your phone…");
    $("cancel").focus();
    polling = { id: r.data.attempt, timer: null, source: null };
    const every = Math.max(500, Number(r.data.pollMillis) || 1000);
    watch(r.data.attempt, every);
  }

  async function signout() {
    await call("POST", "api/signout");
    show("signin");
    status("Signed out.");
    $("username").focus();
  }

  function cancel() {
    stopPolling();
    show("signin");
    status("Cancelled.");
  }

  $("signin-form").addEventListener("submit", start);
  $("signout").addEventListener("click", signout);
  $("cancel").addEventListener("click", cancel);
  showMe().then((signedIn) => { if (!signedIn) show("signin"); });
})();

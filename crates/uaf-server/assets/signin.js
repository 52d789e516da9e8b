// The sign-in page: user name first, then the way this browser signed in last ("Check your
// phone" or "Enter your password"), with a switch to the other way on every screen; two-step
// verification (approve on the phone, or type the phone app's code); choosing a password
// with an invite. No framework, no build step; every request goes to this server (relative
// URLs, so a path prefix works). The session cookies are HttpOnly and never touched here;
// the one cookie this script writes is `uaf_last` (the user name and the way of the last
// sign-in, no secret: docs/server.md, "Passwords and two-step verification").
"use strict";

(function () {
  const $ = (id) => document.getElementById(id);
  const views = {
    signin: $("signin-view"),
    wait: $("wait-view"),
    password: $("password-view"),
    second: $("second-view"),
    create: $("create-view"),
    done: $("done-view"),
  };
  const titles = {
    signin: "Sign in",
    wait: "Check your phone – Sign in",
    password: "Enter your password – Sign in",
    second: "Verify it's you – Sign in",
    create: "Choose your password – Sign in",
    done: "Signed in",
  };
  // { id, timer, source, complete: path of the completion, method, note, countdown: the ids
  // of the elements of the report and the countdown on the screen that waits }
  let polling = null;
  let user = ""; // the user name being signed in
  let step = null; // the attempt of a password sign-in's second step

  function show(name) {
    for (const [k, v] of Object.entries(views)) v.hidden = k !== name;
    document.title = titles[name];
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
    return { status: r.status, data, date: r.headers.get("Date") };
  }

  // ---------------------------------------------------------------------------------------
  // The remembered choice: a first-party cookie `uaf_last=<app|password>:<user name>`, kept
  // 400 days (the most a browser keeps one), not cleared by signing out.
  // ---------------------------------------------------------------------------------------
  const REMEMBER = "uaf_last";
  const cookiePath = new URL("./", location.href).pathname;
  const secure = location.protocol === "https:" ? "; Secure" : "";

  function remembered() {
    for (const part of document.cookie.split(";")) {
      const [name, ...rest] = part.trim().split("=");
      if (name !== REMEMBER) continue;
      const value = rest.join("=");
      const at = value.indexOf(":");
      const method = value.slice(0, at);
      if (at < 0 || (method !== "app" && method !== "password")) return null;
      try {
        return { method, username: decodeURIComponent(value.slice(at + 1)) };
      } catch (_) {
        return null;
      }
    }
    return null;
  }

  function remember(method, username) {
    document.cookie = REMEMBER + "=" + method + ":" + encodeURIComponent(username) +
      "; Max-Age=34560000; Path=" + cookiePath + "; SameSite=Strict" + secure;
  }

  function forget() {
    document.cookie = REMEMBER + "=; Max-Age=0; Path=" + cookiePath + "; SameSite=Strict" + secure;
  }

  // The way offered first: its button leads (and is the form's Enter); the other follows.
  function offerFirst(method) {
    const app = $("use-app");
    const password = $("use-password");
    const [first, other] = method === "password" ? [password, app] : [app, password];
    $("methods").prepend(first);
    first.type = "submit";
    first.classList.add("primary");
    other.type = "button";
    other.classList.remove("primary");
  }

  function applyRemembered() {
    const last = remembered();
    offerFirst(last ? last.method : "app");
    $("remembered").hidden = !last;
    if (last) {
      $("username").value = last.username;
      $("remembered-method").textContent =
        last.method === "password" ? "your password" : "the app on your phone";
    }
  }

  // ---------------------------------------------------------------------------------------
  // Signed in
  // ---------------------------------------------------------------------------------------
  function factorsText(me) {
    switch (me.method) {
      case "password":
        return "One factor: your password. Turn on two-step verification on your account " +
          "page, or sign in with your phone.";
      case "password+code":
        return "Two factors: your password and the code from your phone.";
      case "password+phone":
        return "Two factors: your password and your phone's approval (" +
          (me.factors || []).join(", ") + ").";
      default:
        return "Two factors in one approval: " + (me.factors || []).join(" and ") + ".";
    }
  }

  function stopPolling() {
    if (polling) {
      clearTimeout(polling.timer);
      clearInterval(polling.clock);
      if (polling.source) polling.source.close();
    }
    polling = null;
  }

  // --- attempt: the waiting screen's report, countdown and cancel (the second step's too) ---
  const reports = {
    "wrong-number": "Wrong number entered on your phone. Type the number shown here.",
    "wrong-pin": "Wrong PIN on your phone \u2014 try again.",
  };

  // What the phone reported about the attempt while it waits (or nothing).
  function showReport(report) {
    if (polling) $(polling.note).textContent = reports[report] || "";
  }

  // Seconds left before `expiresAt` by the server's clock (its `Date` header at start).
  function secondsLeft() {
    if (!polling || !polling.expiresAt) return null;
    return Math.floor(polling.expiresAt - (Date.now() / 1000 + polling.offset));
  }

  function tick() {
    const left = secondsLeft();
    if (left === null) return;
    if (left < -5) {
      // Past the expiry (and a little more) and still no answer: stop waiting.
      giveUp("expired");
      return;
    }
    const s = Math.max(0, left);
    $(polling.countdown).textContent = "This request expires in " +
      Math.floor(s / 60) + ":" + String(s % 60).padStart(2, "0") + ".";
  }

  function startCountdown(answer) {
    if (!polling) return;
    const server = Date.parse(answer.date || "");
    polling.offset = Number.isNaN(server) ? 0 : server / 1000 - Date.now() / 1000;
    polling.expiresAt = Number(answer.data.expiresAt) || 0;
    showReport(null);
    tick();
    polling.clock = setInterval(tick, 1000);
  }

  // Cancel: the attempt is cancelled at the server too (it leaves every phone's list).
  async function cancelAttempt() {
    const id = (polling && polling.id) || step;
    stopPolling();
    if (id) {
      try { await call("POST", "api/signin/" + encodeURIComponent(id) + "/cancel"); } catch (_) { /* gone */ }
    }
    backToStart("Cancelled.");
  }

  // Switching to the other way from a screen that waits for the phone withdraws the phone's
  // request first (the same cancel), so no phone keeps a prompt nobody waits for.
  function abandonAttempt() {
    const id = (polling && polling.id) || step;
    stopPolling();
    step = null;
    if (id) {
      call("POST", "api/signin/" + encodeURIComponent(id) + "/cancel").catch(() => { /* gone */ });
    }
  }

  async function showMe() {
    const me = await call("GET", "api/me");
    if (me.status !== 200) return false;
    stopPolling();
    step = null;
    $("signed-in").textContent = "Signed in as " + me.data.username;
    $("factors").textContent = factorsText(me.data);
    show("done");
    status("");
    $("signout").focus();
    return true;
  }

  // Signed in: remembered, then on to the account page.
  function signedIn(method) {
    remember(method, user);
    stopPolling();
    status("Signed in.");
    window.location.assign("account");
  }

  const messages = {
    declined: "The sign-in was declined on your phone.",
    denied: "The sign-in was denied on your phone (\u201cit\u2019s not me\u201d). Nobody was signed in.",
    cancelled: "Cancelled.",
    unreachable: "The sign-in request expired and the server cannot be reached. Try again.",
    expired: "The sign-in request expired. Try again.",
    failed: "Your phone's answer could not be verified. Try again.",
    consumed: "This sign-in was already used. Try again.",
    unknown: "The sign-in request expired. Try again.",
  };

  function backToStart(text, isError) {
    stopPolling();
    step = null;
    show("signin");
    status(text, isError);
    $("username").focus();
  }

  function giveUp(state) {
    backToStart(messages[state] || "The sign-in did not complete. Try again.", true);
  }

  // Polls attempt `id` until the phone answers (the fallback of `watch`).
  async function poll(id, every) {
    if (!polling || polling.id !== id) return;
    let r;
    try {
      r = await call("GET", "api/signin/" + encodeURIComponent(id));
    } catch (_) {
      // Unreachable: keep trying until the request expires, then say so.
      const left = secondsLeft();
      if (left !== null && left < 0) { giveUp("unreachable"); return; }
      polling.timer = setTimeout(() => poll(id, every), every);
      return;
    }
    if (!polling || polling.id !== id) return;
    const state = r.status === 200 ? r.data.state : "unknown";
    if (state === "pending") {
      showReport(r.data.report);
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
      let report;
      try { ({ state, report } = JSON.parse(e.data)); } catch (_) { return; }
      if (state === "pending") { showReport(report); return; }
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

  // The phone answered attempt `id`: an approval is completed at `polling.complete`.
  async function settle(id, state) {
    if (!polling || polling.id !== id) return;
    if (state === "approved") {
      const { complete, method } = polling;
      stopPolling();
      status("Approved. Signing you in…");
      const c = await call("POST", complete);
      if (c.status === 200) {
        signedIn(method);
        return;
      }
      giveUp(c.data.state || "failed");
      return;
    }
    giveUp(state);
  }

  // `where`: the prefix of the ids of the waiting screen's report and countdown elements.
  function startPolling(id, pollMillis, complete, method, where) {
    const at = where || "wait";
    polling = {
      id, timer: null, source: null, complete, method,
      note: at + "-note", countdown: at + "-countdown",
    };
    const every = Math.max(500, Number(pollMillis) || 1000);
    watch(id, every);
  }

  function currentUser() {
    const username = $("username").value.trim();
    if (!username) {
      status("Enter your user name.", true);
      $("username").focus();
      return null;
    }
    user = username;
    return username;
  }

  // ---------------------------------------------------------------------------------------
  // Check your phone
  // ---------------------------------------------------------------------------------------
  async function startPhone() {
    stopPolling();
    step = null;
    status("Sending a sign-in request to your phone…");
    let r;
    try {
      r = await call("POST", "api/signin/start", { username: user });
    } catch (_) {
      status("The server cannot be reached.", true);
      return;
    }
    if (r.status !== 200) {
      show("signin");
      status(r.data.error || "The sign-in could not start.", true);
      return;
    }
    $("match-code").textContent = r.data.matchCode;
    show("wait");
    status("Waiting for your phone…");
    $("wait-use-password").focus();
    const id = r.data.attempt;
    startPolling(id, r.data.pollMillis, "api/signin/" + encodeURIComponent(id) + "/complete", "app");
    startCountdown(r);
  }

  // ---------------------------------------------------------------------------------------
  // Enter your password, then (two-step verification) verify it's you
  // ---------------------------------------------------------------------------------------
  function showPassword() {
    stopPolling();
    step = null;
    $("password-user").textContent = user;
    $("password").value = "";
    show("password");
    status("");
    $("password").focus();
  }

  async function submitPassword(event) {
    event.preventDefault();
    const password = $("password").value;
    if (!password) {
      status("Enter your password.", true);
      $("password").focus();
      return;
    }
    status("Checking your password…");
    let r;
    try {
      r = await call("POST", "api/password/signin", { username: user, password });
    } catch (_) {
      status("The server cannot be reached.", true);
      return;
    }
    $("password").value = "";
    if (r.status !== 200) {
      status(r.data.error || "The sign-in did not work.", true);
      $("password").focus();
      return;
    }
    if (r.data.next === "signed-in") {
      signedIn("password");
      return;
    }
    // The second step.
    step = r.data.attempt;
    $("second-match").textContent = r.data.matchCode;
    $("second-phone").hidden = !r.data.phone;
    $("second-code-only").hidden = !!r.data.phone;
    $("code").value = "";
    show("second");
    status(r.data.phone ? "Waiting for your phone, or your code…" : "");
    $("code").focus();
    // Watched even without a phone: the countdown, and the expiry (the code works until it).
    const id = r.data.attempt;
    startPolling(id, r.data.pollMillis,
      "api/password/" + encodeURIComponent(id) + "/complete", "password", "second");
    startCountdown(r);
  }

  async function submitCode(event) {
    event.preventDefault();
    const code = $("code").value.trim();
    if (!/^[0-9]{6}$/.test(code)) {
      status("Type the 6 digits your phone app shows.", true);
      $("code").focus();
      return;
    }
    if (!step) return;
    const r = await call("POST", "api/password/" + encodeURIComponent(step) + "/code", { code });
    if (r.status === 200) {
      signedIn("password");
      return;
    }
    if (r.status === 409) {
      giveUp(r.data.state || "expired");
      return;
    }
    $("code").value = "";
    status(r.data.error || "That code did not work.", true);
    $("code").focus();
  }

  // ---------------------------------------------------------------------------------------
  // Choose your password with an invite
  // ---------------------------------------------------------------------------------------
  function showCreate(username, code) {
    stopPolling();
    $("create-username").value = username || $("username").value.trim();
    $("create-code").value = code || "";
    $("create-password").value = "";
    show("create");
    status("");
    (code ? $("create-password") : $("create-username")).focus();
  }

  async function submitCreate(event) {
    event.preventDefault();
    const username = $("create-username").value.trim();
    const code = $("create-code").value.trim();
    const password = $("create-password").value;
    if (!username || !code || !password) {
      status("Fill in the user name, the invite code and a password.", true);
      return;
    }
    const r = await call("POST", "api/account/create", { username, code, password });
    $("create-password").value = "";
    if (r.status !== 200) {
      status(r.data.error || "The password could not be set.", true);
      return;
    }
    user = username;
    $("username").value = username;
    signedIn("password");
  }

  // ---------------------------------------------------------------------------------------
  // Wiring
  // ---------------------------------------------------------------------------------------
  function choose(method) {
    if (!currentUser()) return;
    if (method === "password") showPassword();
    else startPhone();
  }

  $("signin-form").addEventListener("submit", (event) => {
    event.preventDefault();
    // Enter (or the leading button): the way offered first.
    const lead = $("methods").firstElementChild;
    choose(lead ? lead.dataset.method : "app");
  });
  $("use-password").addEventListener("click", (event) => {
    if (event.currentTarget.type === "submit") return; // the form's submit handles it
    choose("password");
  });
  $("use-app").addEventListener("click", (event) => {
    if (event.currentTarget.type === "submit") return;
    choose("app");
  });
  $("wait-use-password").addEventListener("click", () => { abandonAttempt(); showPassword(); });
  $("password-use-app").addEventListener("click", startPhone);
  $("second-use-app").addEventListener("click", () => { abandonAttempt(); startPhone(); });
  $("password-form").addEventListener("submit", submitPassword);
  $("code-form").addEventListener("submit", submitCode);
  $("create-form").addEventListener("submit", submitCreate);
  $("password-back").addEventListener("click", () => backToStart(""));
  $("second-cancel").addEventListener("click", cancelAttempt);
  $("cancel").addEventListener("click", cancelAttempt);
  $("create-back").addEventListener("click", () => backToStart(""));
  $("have-invite").addEventListener("click", () => showCreate());
  $("forget").addEventListener("click", () => {
    forget();
    $("username").value = "";
    applyRemembered();
    $("username").focus();
  });
  $("signout").addEventListener("click", async () => {
    await call("POST", "api/signout");
    applyRemembered();
    backToStart("Signed out.");
  });

  applyRemembered();
  const params = new URLSearchParams(location.search);
  showMe().then((signedInAlready) => {
    if (signedInAlready) return;
    if (params.get("invite")) {
      showCreate(params.get("user") || "", params.get("invite"));
      return;
    }
    show("signin");
    // Sent here by the account page's "Sign out".
    if (location.hash === "#signed-out") {
      status("Signed out.");
      history.replaceState(null, "", location.pathname + location.search);
    }
    $("username").focus();
  });
})();

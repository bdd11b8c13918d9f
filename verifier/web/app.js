/* The verifier page: reads the credential from the address's fragment (which browsers never send to a server), a
 * pasted text or a scanned QR code, checks it with regverify (verify.js) against trust.jwt and the pinned root.json
 * beside this page, and shows the verdict. A service worker (sw.js) keeps all of it for use offline.
 *
 * Credentials are always checked as of now (this device's clock): nothing in the address changes that.
 * Status (revocation, suspension) counts as current when the bundle's status lists are at most 24 hours old; the
 * person using the page may accept older status ("Accept status up to", kept in localStorage).
 * For benchmarks and tests the verdict element carries data-state (valid, invalid, error), data-valid and data-ms
 * (milliseconds from the start of page load to the verdict); window.regverifyResult holds the last result in the
 * form of Python's Verification.to_json().
 */
(function () {
  "use strict";

  const rv = window.regverify;
  const $ = (id) => document.getElementById(id);
  let trustLoading = null;

  // How old the status lists may be: the choices offered, by the value kept in localStorage.
  const MAX_STATUS_AGE_KEY = "regverify.maxStatusAge";
  const STATUS_AGES = [
    { value: "24h", label: "24 hours (recommended)", age: 24n * rv.HOUR_US },
    { value: "7d", label: "7 days", age: 7n * rv.DAY_US },
    { value: "30d", label: "30 days", age: 30n * rv.DAY_US },
  ];
  let maxStatusAge = STATUS_AGES[0];

  function localStore() {
    try {
      const storage = window.localStorage;
      storage.getItem(rv.SEQUENCE_KEY);
      return storage;
    } catch (error) {
      return null; // storage refused (private mode, policy): no memory of bundle numbers
    }
  }

  async function fetchText(name) {
    const response = await fetch(name, { cache: "no-cache", credentials: "same-origin" });
    if (!response.ok) throw new Error(`${name} answered ${response.status}`);
    return response.text();
  }

  async function loadTrust() {
    let bundle, rootText;
    try {
      [bundle, rootText] = await Promise.all([fetchText("trust.jwt"), fetchText("root.json")]);
    } catch (error) {
      throw new rv.TrustError(`cannot read the trust bundle or root key: ${error.message}`);
    }
    const rootJwk = rv.parseRootJwk(rootText);
    if (rootJwk === undefined) throw new rv.TrustError("cannot read the trust bundle or root key: root.json is not JSON");
    // The root key is this site's root.json, the page's pinned root: it comes from where the page itself comes
    // from. Never trust on first use here: a bundle's own root key is not taken, so a root.json that names no key
    // ("null") is refused, not replaced by the key the bundle carries.
    const trust = await rv.loadTrust(bundle, rootJwk, { storage: localStore(), trustOnFirstUse: false });
    for (const list of trust.statusLists.values()) list.bits().catch(() => {}); // decode ahead of the first check
    showTrust(trust);
    return trust;
  }

  function showTrust(trust) {
    $("trust-status").textContent = `Trust bundle number ${trust.sequence} from ${trust.issuer}, made ` +
      `${rv.formatMinute(trust.madeAt)} UTC.`;
    const notes = $("trust-notes");
    notes.replaceChildren(...trust.notes.map((note) => {
      const item = document.createElement("li");
      item.textContent = `Note: ${note}.`;
      return item;
    }));
  }

  function setText(id, text) { $(id).textContent = text; }

  function stamp(verdict) {
    verdict.dataset.ms = String(Math.round(performance.now()));
  }

  function render(result) {
    const verdict = $("verdict");
    verdict.dataset.state = result.valid ? "valid" : "invalid";
    verdict.dataset.valid = String(result.valid);
    setText("verdict-title", result.valid ? "Valid" : "Not valid");
    setText("summary", result.summary);

    const subject = result.valid ? result.subject : null;
    $("subject").hidden = !subject;
    if (subject) {
      setText("subject-name", subject.name);
      setText("subject-number", subject.registration_number);
      setText("subject-level", subject.level);
      setText("subject-until", subject.valid_until);
    }
    const asOf = $("status-as-of");
    asOf.hidden = result.statusAsOf === null;
    asOf.textContent = result.statusAsOf === null ? "" : `Status as of ${rv.formatMinute(result.statusAsOf)} UTC.`;

    const failed = result.checks.filter((c) => c.outcome === "fail");
    $("failed").hidden = failed.length === 0;
    $("failed-list").replaceChildren(...failed.map((c) => {
      const item = document.createElement("li");
      item.dataset.check = c.name;
      const name = document.createElement("strong");
      name.textContent = `${c.name}: `;
      item.append(name, c.reason);
      return item;
    }));

    $("all-checks").hidden = false;
    $("checks").replaceChildren(...result.checks.map((c) => {
      const row = document.createElement("tr");
      row.dataset.check = c.name;
      row.dataset.outcome = c.outcome;
      for (const text of [c.name, c.outcome, c.reason]) {
        const cell = document.createElement("td");
        cell.textContent = text;
        row.append(cell);
      }
      return row;
    }));
    window.regverifyResult = result.toJSON();
    stamp(verdict);
  }

  function renderCannotRun(message) {
    const verdict = $("verdict");
    verdict.dataset.state = "error";
    verdict.dataset.valid = "false";
    setText("verdict-title", "Could not run");
    setText("summary", message);
    for (const id of ["subject", "status-as-of", "failed", "all-checks"]) $(id).hidden = true;
    window.regverifyResult = null;
    stamp(verdict);
  }

  // -- how old the status may be
  function storedStatusAge() {
    const storage = localStore();
    let kept = null;
    try { kept = storage ? storage.getItem(MAX_STATUS_AGE_KEY) : null; } catch (error) { /* refused: the default */ }
    return STATUS_AGES.find((choice) => choice.value === kept) || STATUS_AGES[0];
  }
  function setUpStatusAge() {
    maxStatusAge = storedStatusAge();
    const field = document.createElement("p");
    field.className = "status-age";
    const label = document.createElement("label");
    label.htmlFor = "max-status-age";
    label.textContent = "Accept status up to:";
    const select = document.createElement("select");
    select.id = "max-status-age";
    select.setAttribute("aria-describedby", "max-status-age-help");
    for (const choice of STATUS_AGES) select.append(new Option(choice.label, choice.value, false, choice === maxStatusAge));
    const help = document.createElement("span");
    help.id = "max-status-age-help";
    help.textContent = "Status older than this cannot show a removal or suspension made since: the credential " +
      "is then not shown as valid.";
    field.append(label, select, " ", help);
    $("trust-notes").after(field);
    select.addEventListener("change", () => {
      maxStatusAge = STATUS_AGES.find((choice) => choice.value === select.value) || STATUS_AGES[0];
      const storage = localStore();
      try { if (storage) storage.setItem(MAX_STATUS_AGE_KEY, maxStatusAge.value); } catch (error) { /* not kept */ }
      if (lastChecked !== null) check(lastChecked); // the verdict again, by the new rule
    });
  }

  let latest = 0; // checks may overlap (a pasted text, a new address): only the newest is shown
  let lastChecked = null;
  async function check(text) {
    const mine = ++latest;
    lastChecked = text;
    let trust;
    try {
      trust = await trustLoading;
    } catch (error) {
      if (mine === latest) renderCannotRun(error instanceof rv.TrustError ? error.message : "the trust bundle cannot be used");
      return;
    }
    const result = await rv.verifySafely(text, trust, undefined, { maxStatusAge: maxStatusAge.age });
    if (mine === latest) render(result);
  }

  /** The credential in this page's address, if any: the badge link as verify.py would read it. */
  async function fromAddress() {
    if (location.hash.length <= 1) return null;
    if (location.protocol !== "http:" && location.protocol !== "https:") return location.hash.slice(1);
    // The browser shows its address normalised (lower-case host, no default port); where it is the issuer's own,
    // the link is read with the issuer's address as written, so that both verifiers compare the same text.
    try {
      const trust = await trustLoading;
      const issuerOrigin = rv.linkOrigin(trust.issuer);
      if (issuerOrigin && new URL(trust.issuer).origin === location.origin) {
        return issuerOrigin + location.pathname + location.search + location.hash;
      }
    } catch (error) { /* the trust bundle is unusable: check() says so */ }
    return location.href;
  }

  async function checkAddress() {
    const link = await fromAddress();
    if (link !== null) await check(link);
  }

  // -- the camera, where the browser can read QR codes
  let stream = null, scanning = false;
  async function setUpScanning() {
    if (!("BarcodeDetector" in window) || !navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) return;
    try {
      const formats = await window.BarcodeDetector.getSupportedFormats();
      if (!formats.includes("qr_code")) return;
    } catch (error) {
      return;
    }
    $("scan").hidden = false;
    $("scan").addEventListener("click", startScanning);
    $("stop-scan").addEventListener("click", stopScanning);
  }
  async function startScanning() {
    const message = $("scan-message");
    try {
      const detector = new window.BarcodeDetector({ formats: ["qr_code"] });
      stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false });
      const video = $("video");
      video.srcObject = stream;
      $("camera").hidden = false;
      await video.play();
      scanning = true;
      message.textContent = "Point the camera at the QR code.";
      while (scanning) {
        let codes = [];
        try { codes = await detector.detect(video); } catch (error) { /* a frame that cannot be read */ }
        if (codes.length && codes[0].rawValue) {
          stopScanning();
          message.textContent = "QR code read.";
          await check(codes[0].rawValue);
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    } catch (error) {
      stopScanning();
      message.textContent = "The camera cannot be used here: paste the link instead.";
    }
  }
  function stopScanning() {
    scanning = false;
    if (stream) stream.getTracks().forEach((track) => track.stop());
    stream = null;
    $("camera").hidden = true;
  }

  // -- working offline
  function setUpOffline() {
    if (!("serviceWorker" in navigator) || !window.isSecureContext) return;
    // The scope is this page's own address: the worker answers for it and its files, nothing else of the site.
    navigator.serviceWorker.register("sw.js", { scope: location.pathname }).catch(() => {});
    navigator.serviceWorker.ready.then(() => {
      document.documentElement.dataset.offline = "ready";
      $("offline-status").textContent = "This page and its trust bundle are kept on this device: it also works offline.";
    }).catch(() => {});
  }

  function start() {
    setUpStatusAge();
    trustLoading = loadTrust();
    trustLoading.catch((error) => {
      $("trust-status").textContent = `The trust bundle cannot be used: ${error.message}`;
    });
    $("paste-form").addEventListener("submit", (event) => {
      event.preventDefault();
      check($("token").value);
    });
    window.addEventListener("hashchange", checkAddress);
    setUpScanning();
    setUpOffline();
    if (location.hash.length > 1) {
      checkAddress();
    } else {
      trustLoading.catch((error) => renderCannotRun(error instanceof rv.TrustError ? error.message
        : "the trust bundle cannot be used"));
    }
  }

  start();
})();

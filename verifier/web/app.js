/* The verifier page: reads the credential from the address's fragment (which browsers never send to a server), a
 * scanned QR code, a credential file (chosen or dropped) or a pasted text, checks it with regverify (verify.js)
 * against trust.jwt and the pinned root.json beside this page, and shows the verdict in plain words: who the
 * credential names (also when it is not valid, marked as such), why not, one line saying how fresh the status is,
 * and every check behind a toggle. A service worker (sw.js) keeps all of it, the QR reader included, for use offline.
 *
 * Credentials are always checked as of now (this device's clock): nothing in the address changes that.
 * Status (revocation, suspension) counts as current when the bundle's status lists are at most 24 hours old; the
 * person using the page may accept older status ("Accept status up to", kept in localStorage).
 * Scanning uses the browser's BarcodeDetector where it reads QR codes, else the vendored polyfill (vendor/, see its
 * README), loaded on first use with its WebAssembly from this site, never from a CDN.
 * For benchmarks and tests the verdict element carries data-state (valid, invalid, error), data-valid and data-ms
 * (milliseconds from the start of page load to the verdict); window.regverifyResult holds the last result in the
 * form of Python's Verification.to_json() (null for a file that carries no signature).
 */
(function () {
  "use strict";

  const rv = window.regverify;
  const $ = (id) => document.getElementById(id);
  let trustLoading = null;

  // How old the status lists may be: the choices offered, by the value kept in localStorage.
  const MAX_STATUS_AGE_KEY = "regverify.maxStatusAge";
  const STATUS_AGES = [
    { value: "24h", label: "24 hours (recommended)", words: "24 hours", age: 24n * rv.HOUR_US },
    { value: "7d", label: "7 days", words: "7 days", age: 7n * rv.DAY_US },
    { value: "30d", label: "30 days", words: "30 days", age: 30n * rv.DAY_US },
  ];
  let maxStatusAge = STATUS_AGES[0];
  const MAX_FILE_BYTES = 64 * 1024; // a credential file is a few kilobytes; a token is refused beyond 16 KB anyway
  const MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
    "November", "December"];

  // -- dates in plain words: "2 December 2026", "2 December 2026, 14:05 UTC"
  function utc(us) { return new Date(Number(us / 1000n)); }
  function plainDay(us) {
    const d = utc(us);
    return `${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()}`;
  }
  function plainMinute(us) {
    const d = utc(us);
    const pad = (n) => String(n).padStart(2, "0");
    return `${plainDay(us)}, ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())} UTC`;
  }
  const plainDayText = (text) => String(text).replace(/^0(\d )/, "$1"); // "05 March 2027" -> "5 March 2027"

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

  function fact(term, value) {
    const row = document.createElement("div");
    const dt = document.createElement("dt");
    const dd = document.createElement("dd");
    dt.textContent = term;
    dd.textContent = value;
    row.append(dt, dd);
    return row;
  }

  function showTrust(trust) {
    $("trust-status").textContent = `Credentials are checked against the register's keys and its lists of ` +
      `withdrawn credentials, published ${plainMinute(trust.madeAt)}.`;
    const warning = $("trust-warning");
    warning.hidden = trust.notes.length === 0;
    warning.textContent = trust.notes.length === 0 ? "" : "These keys and lists are older than the register " +
      "advises: connect to the internet and reload this page to get newer ones.";
    const keys = Array.from(trust.keys.keys());
    $("trust-facts").replaceChildren(
      fact("Trust bundle number", String(trust.sequence)),
      fact("Issuer", trust.issuer),
      fact("Made", `${rv.formatMinute(trust.madeAt)} UTC`),
      fact("Root key (pinned)", trust.rootKid),
      fact(keys.length === 1 ? "Signing key" : "Signing keys", keys.join(", ")),
    );
    $("trust-notes").replaceChildren(...trust.notes.map((note) => {
      const item = document.createElement("li");
      item.textContent = `Note: ${note}.`;
      return item;
    }));
  }

  function setText(id, text) { $(id).textContent = text; }

  function stamp(verdict) {
    verdict.dataset.ms = String(Math.round(performance.now()));
  }

  /** Why a failed check fails, in words for a client (the checks' own words stay in the table). */
  function plainReason(check, named) {
    const reason = check.reason;
    switch (check.name) {
      case "format": return `it cannot be read as a credential: ${reason}`;
      case "header": return "it is not signed in a way this checker accepts";
      case "key known":
      case "signature": return "it was changed after it was issued, or it was not issued by the register";
      case "key valid": return "it was signed with a key the register had already withdrawn";
      case "issuer": return "it was issued by someone other than this register";
      case "validity":
        if (reason.startsWith("expired")) return named ? `it expired on ${plainDayText(named.valid_until)}` : "it has expired";
        return "it is not valid yet";
      case "revocation":
        return reason.startsWith("revoked") ? "the register has withdrawn it: since it was issued the person was " +
          "suspended or removed, or their registration lapsed or ended (the register's page for them says which, " +
          "and whether a newer credential replaces it)" : "the register's list of withdrawn credentials cannot be read";
      case "suspension":
        return reason.startsWith("suspended") ? "the register has suspended it: the registration is suspended or " +
          "has lapsed" : "the register's list of suspended credentials cannot be read";
      case "status freshness":
        return `its current status cannot be confirmed: the register's lists on this device are more than ` +
          `${maxStatusAge.words} old; connect to the internet and check again`;
      default: return reason;
    }
  }

  function showSubject(subject, lead) {
    $("subject").hidden = !subject;
    if (!subject) return;
    setText("subject-lead", lead);
    setText("subject-name", subject.name);
    setText("subject-number", subject.registration_number);
    setText("subject-level", subject.level);
    setText("subject-until", plainDayText(subject.valid_until));
  }

  function showReasons(reasons) {
    $("failed").hidden = reasons.length === 0;
    $("failed-list").replaceChildren(...reasons.map(([check, words]) => {
      const item = document.createElement("li");
      if (check) item.dataset.check = check;
      item.textContent = words;
      return item;
    }));
  }

  function render(result) {
    const verdict = $("verdict");
    verdict.dataset.state = result.valid ? "valid" : "invalid";
    verdict.dataset.valid = String(result.valid);
    delete verdict.dataset.kind;
    setText("verdict-title", result.valid ? "Valid" : "Not valid");
    const named = result.valid ? result.subject : result.named;
    if (result.valid && named) {
      setText("summary", "This credential is genuine and current: the register issued it and has not withdrawn it.");
      showSubject(named, "It names:");
    } else if (result.valid) {
      setText("summary", result.summary);
      showSubject(null);
    } else {
      // Who it names first, then why it is not valid: the summary would only say it again.
      setText("summary", named ? "" : "This is not a credential the register issued, or it cannot be read.");
      showSubject(named, "This credential names:");
    }
    $("summary").hidden = $("summary").textContent === "";

    const reasons = [];
    const said = new Set();
    for (const check of result.checks.filter((c) => c.outcome === "fail")) {
      const words = plainReason(check, named);
      if (!said.has(words)) reasons.push([check.name, words]);
      said.add(words);
    }
    const status = result.checks.find((c) => c.name === "status");
    const signed = result.checks.every((c) => !["signature", "key valid"].includes(c.name) || c.outcome === "pass");
    if (!result.valid && reasons.length === 0 && signed && status && status.outcome === "not checked") {
      reasons.push(["status", "its current status cannot be checked: it points to a status this checker cannot " +
        "read (not one of the register's lists), so it may have been withdrawn"]);
    }
    if (!result.valid && reasons.length === 0) reasons.push([null, result.summary.replace(/^Not valid: /, "")]);
    showReasons(result.valid ? [] : reasons);

    const asOf = $("status-as-of");
    asOf.hidden = result.statusAsOf === null;
    asOf.textContent = result.statusAsOf === null ? ""
      : `Status checked against the register's lists of ${plainMinute(result.statusAsOf)}.`;

    $("all-checks").hidden = false;
    $("checks").replaceChildren(...result.checks.map((c) => {
      const row = document.createElement("tr");
      row.dataset.check = c.name;
      row.dataset.outcome = c.outcome;
      for (const [label, text] of [["Check", c.name], ["Outcome", c.outcome], ["Reason", c.reason]]) {
        const cell = document.createElement("td");
        cell.dataset.label = label; // shown beside the value when the rows stack on a narrow screen
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
    delete verdict.dataset.kind;
    setText("verdict-title", "Could not run");
    setText("summary", message);
    $("summary").hidden = false;
    for (const id of ["subject", "status-as-of", "failed", "all-checks"]) $(id).hidden = true;
    window.regverifyResult = null;
    stamp(verdict);
  }

  /** A credential's contents without its signature (the .json download): what it names, and that it proves
   * nothing. */
  function renderUnsigned(contents, fileName) {
    const verdict = $("verdict");
    verdict.dataset.state = "invalid";
    verdict.dataset.valid = "false";
    verdict.dataset.kind = "unsigned";
    setText("verdict-title", "Not valid");
    $("summary").hidden = false;
    setText("summary", `${fileName} is a readable copy of a credential without its signature, so it cannot be ` +
      "checked.");
    showSubject(namedInJson(contents), "This file names:");
    showReasons([[null, "it carries no signature: anyone could have written it. Check the .jwt file or the QR " +
      "badge instead"]]);
    for (const id of ["status-as-of", "all-checks"]) $(id).hidden = true;
    window.regverifyResult = null;
    stamp(verdict);
  }

  /** Who a credential's JSON says it is about (Open Badges 3.0, as the register writes it), or null. */
  function namedInJson(contents) {
    const subject = contents && typeof contents === "object" ? contents.credentialSubject : null;
    if (!subject || typeof subject !== "object") return null;
    const names = Array.isArray(subject.identifier) ? subject.identifier : [];
    const name = names.find((i) => i && i.identityType === "name" && i.hashed === false);
    const achievement = subject.achievement && typeof subject.achievement === "object" ? subject.achievement : {};
    if (!name || typeof name.identityHash !== "string" || typeof achievement.name !== "string" ||
        typeof subject.licenseNumber !== "string") return null;
    const code = typeof achievement.humanCode === "string" ? ` (${achievement.humanCode})` : "";
    let until = "no end date";
    const parsed = typeof contents.validUntil === "string" ? Date.parse(contents.validUntil) : NaN;
    if (!Number.isNaN(parsed)) until = plainDay(BigInt(parsed) * 1000n);
    return { name: name.identityHash, registration_number: subject.licenseNumber,
      level: achievement.name + code, valid_until: until };
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
    help.className = "hint";
    help.textContent = "Status older than this cannot show a removal or suspension made since: the credential " +
      "is then not shown as valid.";
    field.append(label, select, " ", help);
    $("trust-details").after(field);
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

  // -- a credential file: chosen, or dropped onto the page
  async function checkFile(file) {
    const message = $("file-message");
    message.textContent = "";
    const name = file.name || "The file";
    const kind = /\.(jwt|json)$/i.exec(name);
    if (!kind) {
      message.textContent = `${name} is not a credential file: choose the .jwt or .json file downloaded from the ` +
        "register.";
      return;
    }
    if (file.size > MAX_FILE_BYTES) {
      message.textContent = `${name} is ${Math.ceil(file.size / 1024)} KB: a credential file is at most ` +
        `${MAX_FILE_BYTES / 1024} KB, so this is not one.`;
      return;
    }
    let text;
    try {
      text = await file.text();
    } catch (error) {
      message.textContent = `${name} cannot be read on this device.`;
      return;
    }
    if (kind[1].toLowerCase() === "json") {
      let contents;
      try {
        contents = JSON.parse(text);
      } catch (error) {
        message.textContent = `${name} is not JSON, so it is not a credential file from the register.`;
        return;
      }
      if (typeof contents !== "string") {
        message.textContent = `Read ${name}.`;
        latest++; // a check still running must not replace this verdict
        lastChecked = null;
        renderUnsigned(contents, name);
        $("verdict").scrollIntoView();
        return;
      }
      text = contents; // a token kept as a JSON string
    }
    message.textContent = `Checked ${name}.`;
    await check(text);
    $("verdict").scrollIntoView();
  }

  function setUpFiles() {
    const input = $("file");
    input.addEventListener("change", () => {
      if (input.files && input.files.length) checkFile(input.files[0]);
      input.value = ""; // the same file may be chosen again
    });
    const zone = $("drop-zone");
    const hasFiles = (event) => event.dataTransfer && Array.from(event.dataTransfer.types || []).includes("Files");
    document.addEventListener("dragover", (event) => {
      if (!hasFiles(event)) return;
      event.preventDefault(); // the file is the page's, not the browser's to open
      event.dataTransfer.dropEffect = "copy";
      zone.classList.add("dropping");
    });
    document.addEventListener("dragleave", (event) => {
      if (event.relatedTarget === null) zone.classList.remove("dropping");
    });
    document.addEventListener("drop", (event) => {
      if (!hasFiles(event)) return;
      event.preventDefault();
      zone.classList.remove("dropping");
      const files = event.dataTransfer.files;
      if (files.length !== 1) {
        $("file-message").textContent = "Drop one credential file at a time.";
        return;
      }
      checkFile(files[0]);
    });
  }

  // -- the camera: the browser's own QR reader, or the vendored one
  let stream = null, scanning = false, detectorMaking = null;

  function loadScript(src) {
    return new Promise((resolve, reject) => {
      const script = document.createElement("script");
      script.src = src;
      script.onload = resolve;
      script.onerror = () => reject(new Error(`${src} did not load`));
      document.head.append(script);
    });
  }

  async function nativeReadsQr() {
    if (!("BarcodeDetector" in window)) return false;
    try {
      return (await window.BarcodeDetector.getSupportedFormats()).includes("qr_code");
    } catch (error) {
      return false;
    }
  }

  /** A detector for QR codes, and which one it is ("native" or "polyfill"). */
  async function makeDetector() {
    if (await nativeReadsQr()) return [new window.BarcodeDetector({ formats: ["qr_code"] }), "native"];
    if (!window.BarcodeDetectionAPI) await loadScript("vendor/barcode-detector.js");
    const api = window.BarcodeDetectionAPI;
    const wasm = new URL("vendor/zxing_reader.wasm", document.baseURI).href;
    await api.prepareZXingModule({
      overrides: { locateFile: (path, prefix) => (path.endsWith(".wasm") ? wasm : prefix + path) },
      fireImmediately: true,
    });
    return [new api.BarcodeDetector({ formats: ["qr_code"] }), "polyfill"];
  }

  function setUpScanning() {
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) return; // no camera API (or not https)
    $("scan-way").hidden = false;
    $("scan").addEventListener("click", startScanning);
    $("stop-scan").addEventListener("click", () => {
      stopScanning();
      $("scan-message").textContent = "Scanning stopped.";
    });
  }

  async function startScanning() {
    const message = $("scan-message");
    if (scanning) return;
    let detector;
    try {
      detectorMaking = detectorMaking || makeDetector();
      let reader;
      [detector, reader] = await detectorMaking;
      $("scan").dataset.reader = reader;
    } catch (error) {
      detectorMaking = null;
      message.textContent = "This browser cannot read QR codes here: open the badge link or the file instead.";
      return;
    }
    try {
      stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false });
    } catch (error) {
      message.textContent = "The camera cannot be used (it was refused or there is none): open the badge link or " +
        "the file instead.";
      return;
    }
    const video = $("video");
    video.srcObject = stream;
    $("camera").hidden = false;
    $("scan").hidden = true;
    scanning = true;
    message.textContent = "Point the camera at the QR code.";
    try {
      await video.play();
      while (scanning) {
        let codes = [];
        if (video.readyState >= 2) {
          try { codes = await detector.detect(video); } catch (error) { /* a frame that cannot be read */ }
        }
        const code = codes.find((c) => c.rawValue);
        if (code) {
          stopScanning();
          message.textContent = "QR code read.";
          await check(code.rawValue);
          $("verdict").scrollIntoView();
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    } catch (error) {
      stopScanning();
      message.textContent = "The camera stopped: open the badge link or the file instead.";
    }
  }

  function stopScanning() {
    scanning = false;
    if (stream) stream.getTracks().forEach((track) => track.stop());
    stream = null;
    $("video").srcObject = null;
    $("camera").hidden = true;
    $("scan").hidden = false;
  }

  // -- working offline
  function setUpOffline() {
    if (!("serviceWorker" in navigator) || !window.isSecureContext) return;
    // The scope is this page's own address: the worker answers for it and its files, nothing else of the site.
    navigator.serviceWorker.register("sw.js", { scope: location.pathname }).catch(() => {});
    navigator.serviceWorker.ready.then(() => {
      document.documentElement.dataset.offline = "ready";
      $("offline-status").textContent = "This page, its QR reader and the register's keys are kept on this " +
        "device: it also works offline.";
    }).catch(() => {});
  }

  function start() {
    setUpStatusAge();
    trustLoading = loadTrust();
    trustLoading.catch((error) => {
      $("trust-status").textContent = `The register's keys cannot be used: ${error.message}`;
    });
    $("paste-form").addEventListener("submit", (event) => {
      event.preventDefault();
      check($("token").value);
    });
    window.addEventListener("hashchange", checkAddress);
    setUpFiles();
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

/* Keeps the verifier page, its scripts and the register's trust bundle on the device, so that a badge can be
 * checked with no connection. The page registers this worker with its own address as the scope: the worker
 * answers for that page and the files below, and leaves the rest of the site alone.
 *
 * trust.jwt and root.json: network first (a newer bundle is picked up whenever there is a connection), the kept
 * copy when offline. The page: network first too, the kept copy offline. Scripts and style: the kept copy at once,
 * refreshed in the background. The vendored QR reader (vendor/) is kept the same way; it is fetched at install
 * but not required (a copy of the page without it still installs). Images the page shows from its own site (the
 * register's logo in the header) are kept as they are fetched: network first. Change VERSION to drop everything
 * kept by an older version.
 */
"use strict";

const VERSION = "regverify-3";
const FILES = ["verify.js", "app.js", "style.css", "trust.jwt", "root.json"];
const OPTIONAL = ["vendor/barcode-detector.js", "vendor/zxing_reader.wasm"];
const NETWORK_FIRST = new Set(["trust.jwt", "root.json"]);
const NETWORK_TIMEOUT_MS = 4000;
const PAGE = new URL(self.registration.scope); // the page's own address
PAGE.search = "";
const fileUrl = (name) => new URL(name, self.location).href;

self.addEventListener("install", (event) => {
  event.waitUntil((async () => {
    const cache = await caches.open(VERSION);
    await cache.addAll([PAGE.href, ...FILES.map(fileUrl)].map((url) => new Request(url, { cache: "reload" })));
    await cache.addAll(OPTIONAL.map((name) => new Request(fileUrl(name), { cache: "reload" }))).catch(() => {});
    await self.skipWaiting();
  })());
});

self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    for (const key of await caches.keys()) {
      if (key.startsWith("regverify-") && key !== VERSION) await caches.delete(key);
    }
    await self.clients.claim();
  })());
});

async function fromNetwork(request) {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), NETWORK_TIMEOUT_MS);
  try {
    return await fetch(request, { signal: controller.signal });
  } finally {
    clearTimeout(timer);
  }
}

async function networkFirst(request, key) {
  const cache = await caches.open(VERSION);
  try {
    const response = await fromNetwork(request);
    if (response.ok && !response.redirected) {
      await cache.put(key, response.clone());
      return response;
    }
    return (await cache.match(key)) || response;
  } catch (error) {
    const kept = await cache.match(key);
    if (kept) return kept;
    throw error;
  }
}

async function keptThenRefreshed(event, key) {
  const cache = await caches.open(VERSION);
  const kept = await cache.match(key);
  const refresh = fromNetwork(event.request).then(async (response) => {
    if (response.ok && !response.redirected) await cache.put(key, response.clone());
    return response;
  });
  if (kept) {
    event.waitUntil(refresh.catch(() => {}));
    return kept;
  }
  return refresh;
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.mode === "navigate") {
    if (url.pathname === PAGE.pathname) event.respondWith(networkFirst(request, PAGE.href));
    return;
  }
  if (request.destination === "image" && !url.search) {
    event.respondWith(networkFirst(request, url.href));
    return;
  }
  const name = [...FILES, ...OPTIONAL].find((file) => fileUrl(file) === url.origin + url.pathname);
  if (!name || url.search) return;
  event.respondWith(NETWORK_FIRST.has(name) ? networkFirst(request, fileUrl(name)) : keptThenRefreshed(event, fileUrl(name)));
});

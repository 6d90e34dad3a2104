// The old frontend in Debian's Chromium (playwright-core): a blank page served at <pageUrl> (on the app's origin,
// as the old frontend is deployed beside its API, so negotiate is same-origin and the SignalR service another
// origin), with Microsoft's browser bundle of @microsoft/signalr, running the old frontend's snippet unchanged. Prints the page's console lines, plus "EVENT {...}" / "STATE {...}" like listen.js.
// Usage: node browser.js <pageUrl> <hubUrl> <functionKey>
"use strict";
const path = require("path");
const { chromium } = require("playwright-core");

const [pageUrl, hubUrl, key] = process.argv.slice(2);
const bundle = path.join(path.dirname(require.resolve("@microsoft/signalr/package.json")), "dist", "browser",
                         "signalr.min.js");

(async () => {
  const browser = await chromium.launch({
    executablePath: "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
           "--disable-component-update"],
  });
  const stop = async () => { await browser.close(); process.exit(0); };
  process.on("SIGTERM", stop);
  // The page is fulfilled by the test, so Chromium cannot place it in the loopback address space: grant what a
  // user would grant the old frontend (Local Network Access) to reach the loopback SignalR service.
  const context = await browser.newContext({ permissions: ["local-network-access"] });
  const page = await context.newPage();
  page.on("console", (message) => process.stdout.write(`${message.text()}\n`));
  page.on("pageerror", (error) => process.stdout.write(`STATE ${JSON.stringify({ state: "pageerror", error: String(error) })}\n`));
  await page.route(pageUrl, (route) => route.fulfill({
    status: 200, contentType: "text/html", body: "<!doctype html><title>old frontend</title>" }));
  await page.goto(pageUrl);
  await page.addScriptTag({ path: bundle });
  await page.evaluate(async ({ hubUrl, key }) => {
    const emit = (kind, body) => console.log(`${kind} ${JSON.stringify(body)}`);
    const connection = new signalR.HubConnectionBuilder()
      .withUrl(hubUrl, { headers: { "x-functions-key": key } })
      .withAutomaticReconnect()
      .configureLogging(signalR.LogLevel.Warning)
      .build();
    // --- the old frontend's snippet, unchanged ---
    connection.on("AnalysisProgress", (status) => {
      console.log(`Progress: ${status.progressPercentage}%`);
      console.log(`Current Step: ${status.currentStep}`);
    });
    // --- end of the old frontend's snippet ---
    connection.on("AnalysisProgress", (payload) => { emit("EVENT", { target: "AnalysisProgress", payload }); });
    connection.onclose((error) => emit("STATE", { state: "closed", error: String(error || "") }));
    try {
      await connection.start();
      emit("STATE", { state: "connected", connectionId: connection.connectionId });
    } catch (error) {
      emit("STATE", { state: "failed", error: String(error) });
    }
  }, { hubUrl, key });
})().catch((error) => {
  process.stdout.write(`STATE ${JSON.stringify({ state: "failed", error: String(error) })}\n`);
  process.exit(3);
});

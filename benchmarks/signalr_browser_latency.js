// One SignalR client (Microsoft's browser bundle) in Debian's Chromium via playwright-core, connected straight to a
// SignalR service URL with a token; prints READY once connected, then RESULT {received, seqs, times} after <events>
// "AnalysisProgress" events {seq}: when the page's handler ran for each (epoch ms, performance.timeOrigin + now()).
"use strict";
const path = require("path");
const { chromium } = require("playwright-core");
const [url, token, eventsArg] = process.argv.slice(2);
const events = Number(eventsArg);
const bundle = path.join(path.dirname(require.resolve("@microsoft/signalr/package.json")), "dist", "browser",
                         "signalr.min.js");

(async () => {
  const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--headless", "--no-sandbox",
    "--disable-gpu", "--disable-background-networking", "--disable-component-update"] });
  const context = await browser.newContext({ permissions: ["local-network-access"] });
  const page = await context.newPage();
  const origin = "http://127.0.0.1:9/bench.html";
  await page.route(origin, (route) => route.fulfill({ status: 200, contentType: "text/html", body: "<!doctype html>" }));
  await page.goto(origin);
  await page.addScriptTag({ path: bundle });
  await page.evaluate(async ({ url, token }) => {
    window.seqs = [];
    window.times = [];
    const connection = new signalR.HubConnectionBuilder()
      .withUrl(url, { accessTokenFactory: () => token, transport: signalR.HttpTransportType.WebSockets })
      .configureLogging(signalR.LogLevel.None).build();
    connection.on("AnalysisProgress", (event) => {
      window.times.push(performance.timeOrigin + performance.now());
      window.seqs.push(event.seq);
    });
    await connection.start();
  }, { url, token });
  process.stdout.write("READY\n");
  await page.waitForFunction((n) => window.seqs.length >= n, events, { timeout: 120000, polling: 50 });
  const result = await page.evaluate(() => ({ received: window.seqs.length, seqs: window.seqs, times: window.times }));
  process.stdout.write(`RESULT ${JSON.stringify(result)}\n`, async () => {
    await browser.close();
    process.exit(0);
  });
})().catch((error) => { process.stdout.write(`FAILED ${error}\n`); process.exit(3); });

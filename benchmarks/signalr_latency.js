// N connections (Microsoft's @microsoft/signalr client) to a SignalR service URL with one token; prints READY once
// all are connected, then records when each connection's "AnalysisProgress" handler ran for each event {seq}
// (epoch ms, sub-millisecond: performance.timeOrigin + performance.now()); prints RESULT {received, seqs, times} once
// <events> events reached every connection (or on SIGTERM). The benchmark subtracts the event's send time.
"use strict";
const { performance } = require("perf_hooks");
const signalR = require("@microsoft/signalr");
const [url, token, countArg, eventsArg] = process.argv.slice(2);
const count = Number(countArg), events = Number(eventsArg);
const seqs = [], times = [];
let received = 0;

function finish() {
  process.stdout.write(`RESULT ${JSON.stringify({ received, seqs, times })}\n`, () => process.exit(0));
}

async function main() {
  const connections = [];
  for (let i = 0; i < count; i++) {
    const c = new signalR.HubConnectionBuilder()
      .withUrl(url, { accessTokenFactory: () => token, transport: signalR.HttpTransportType.WebSockets })
      .configureLogging(signalR.LogLevel.None).build();
    c.on("AnalysisProgress", (event) => {
      times.push(performance.timeOrigin + performance.now());
      seqs.push(event.seq);
      received += 1;
      if (received === count * events) { finish(); }
    });
    connections.push(c);
  }
  for (let i = 0; i < count; i += 50) {
    await Promise.all(connections.slice(i, i + 50).map((c) => c.start()));
  }
  process.stdout.write("READY\n");
}
process.on("SIGTERM", finish);
main().catch((e) => { process.stdout.write(`FAILED ${e}\n`); process.exit(3); });

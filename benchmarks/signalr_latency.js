// N connections (Microsoft's @microsoft/signalr client) to a SignalR service URL with one token; prints READY once
// all are connected, then records, for each "AnalysisProgress" event {seq, sentAt (epoch ms)}, Date.now() - sentAt in every
// connection's handler; prints the latencies as JSON once <events> events reached every connection (or on SIGTERM).
"use strict";
const signalR = require("@microsoft/signalr");
const [url, token, countArg, eventsArg] = process.argv.slice(2);
const count = Number(countArg), events = Number(eventsArg);
const latencies = [];
let received = 0;

function finish() {
  process.stdout.write(`RESULT ${JSON.stringify({ received, latencies })}\n`, () => process.exit(0));
}

async function main() {
  const connections = [];
  for (let i = 0; i < count; i++) {
    const c = new signalR.HubConnectionBuilder()
      .withUrl(url, { accessTokenFactory: () => token, transport: signalR.HttpTransportType.WebSockets })
      .configureLogging(signalR.LogLevel.None).build();
    c.on("AnalysisProgress", (event) => {
      latencies.push(Date.now() - event.sentAt);
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

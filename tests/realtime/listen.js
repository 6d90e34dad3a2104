// A SignalR client built with Microsoft's @microsoft/signalr package, as the old frontend used it.
// Usage: node listen.js <hubUrl> <functionKey> [AnalysisProgress,JobChanged,...]
// The hub URL is the app's /api (with ?jobId=... or ?dashboard=true); the client calls <hubUrl>/negotiate and
// follows the redirect to the SignalR service. Prints one line per thing seen, for the test to parse:
//   STATE {"state":"connected","connectionId":...}   EVENT {"target":...,"payload":...}
// plus the old frontend's own console.log lines, which run unchanged.
// SIGNALR_ACCESS_TOKEN=<jwt> connects straight to a service URL with that token (no app negotiate);
// SIGNALR_INVOKE=<method> sends a hub method call once connected (a serverless hub must refuse it).
"use strict";
const signalR = require("@microsoft/signalr");

const [hubUrl, key, targetsArg] = process.argv.slice(2);
const targets = (targetsArg || "AnalysisProgress").split(",");
const emit = (kind, body) => process.stdout.write(`${kind} ${JSON.stringify(body)}\n`);

const connection = new signalR.HubConnectionBuilder()
  .withUrl(hubUrl, {
    ...(process.env.SIGNALR_ACCESS_TOKEN
      ? { accessTokenFactory: () => process.env.SIGNALR_ACCESS_TOKEN }
      : { headers: { "x-functions-key": key } }),
    // SIGNALR_TRANSPORT=ServerSentEvents forces that transport (the default tries WebSockets first).
    ...(process.env.SIGNALR_TRANSPORT ? { transport: signalR.HttpTransportType[process.env.SIGNALR_TRANSPORT] } : {}),
  })
  .withAutomaticReconnect([0, 500, 1000, 1000, 2000, 2000, 2000, 5000, 5000, 5000, 5000])
  .configureLogging(signalR.LogLevel.Warning)
  .build();
if (process.env.SIGNALR_SERVER_TIMEOUT_MS) {   // the client gives up on a silent server after this long
  connection.serverTimeoutInMilliseconds = Number(process.env.SIGNALR_SERVER_TIMEOUT_MS);
}

// --- the old frontend's snippet, unchanged ---
connection.on("AnalysisProgress", (status) => {
  console.log(`Progress: ${status.progressPercentage}%`);
  console.log(`Current Step: ${status.currentStep}`);
});
// --- end of the old frontend's snippet ---

for (const target of targets) {
  connection.on(target, (payload) => { emit("EVENT", { target, payload }); });
}
connection.onreconnecting((error) => emit("STATE", { state: "reconnecting", error: String(error || "") }));
connection.onreconnected((connectionId) => emit("STATE", { state: "reconnected", connectionId }));
connection.onclose((error) => emit("STATE", { state: "closed", error: String(error || "") }));

process.on("SIGTERM", async () => { await connection.stop(); process.exit(0); });

connection.start()
  .then(() => {
    emit("STATE", { state: "connected", connectionId: connection.connectionId });
    if (process.env.SIGNALR_INVOKE) {
      connection.send(process.env.SIGNALR_INVOKE, "hello").catch((e) => emit("STATE", { state: "sendFailed", error: String(e) }));
    }
  })
  .catch((error) => { emit("STATE", { state: "failed", error: String(error) }); process.exit(3); });

// Opens <count> SignalR connections (Microsoft's client) to a service URL with one token, then drops them: half
// with a clean stop, half by destroying the socket, in random order. Prints "OPENED n" and "DONE".
"use strict";
const signalR = require("@microsoft/signalr");
const [url, token, countArg] = process.argv.slice(2);
const count = Number(countArg || "100");

async function main() {
  const connections = [];
  for (let i = 0; i < count; i++) {
    const c = new signalR.HubConnectionBuilder()
      .withUrl(url, { accessTokenFactory: () => token, transport: signalR.HttpTransportType.WebSockets })
      .configureLogging(signalR.LogLevel.None).build();
    connections.push(c);
  }
  await Promise.all(connections.map((c) => c.start()));
  process.stdout.write(`OPENED ${connections.filter((c) => c.state === "Connected").length}\n`);
  connections.sort(() => Math.random() - 0.5);
  await Promise.all(connections.map(async (c, i) => {
    if (i % 2 === 0) { await c.stop(); return; }
    const ws = c.connection && c.connection.transport && c.connection.transport._webSocket;
    if (ws && ws._socket) { ws._socket.destroy(); } else { await c.stop(); }
  }));
  process.stdout.write("DONE\n");
  process.exit(0);
}
main().catch((e) => { process.stdout.write(`FAILED ${e}\n`); process.exit(3); });

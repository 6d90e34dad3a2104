"""A local stand-in for Azure SignalR Service in Serverless mode, for the official SignalR clients and the app.

It speaks the service's public contracts only: the client endpoint (`POST /client/negotiate?hub=` with
negotiateVersion 1, then WebSockets with the JSON hub protocol), and the data-plane REST API v1 the app calls
(broadcast, user, group, connection sends; group membership of connections and users). Every token is verified
with the AccessKey of `AzureSignalRConnectionString` (HS256, exp, and an `aud` equal to the client URL or the REST
request URL), so the app's tokens are checked as strictly as the service would. See docs/local-host.md for what is
emulated and what is not.
"""

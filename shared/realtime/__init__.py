"""Real-time progress through Azure SignalR Service in Serverless mode, with no Azure SDK.

The service is driven only by its public contracts: the app hands clients a redirect (`{url, accessToken}`) built
from `AzureSignalRConnectionString`, and sends messages and manages groups through the data-plane REST API with
short-lived server tokens. The same code runs in Azure and against the local emulator (`devhost/signalr/`), so
nothing here depends on where it runs. Publishing is best effort by design: progress also lives in the job row,
which polling reads, so a SignalR outage may lose pushes but never a job.
"""

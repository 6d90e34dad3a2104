-- Finds linked servers defined on this server.
-- Why: a linked server with a shared remote login gives every local user who may use it that login's rights on
-- the other server, and distributed queries across it are slow in ways that are hard to see.
SELECT s.name AS object_name, s.product, s.data_source, s.is_rpc_out_enabled
FROM sys.servers AS s
WHERE s.is_linked = 1

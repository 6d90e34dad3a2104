-- Finds a database without auto_vacuum whose free pages are at least 256 and a quarter of the file.
-- Why: SQLite never shrinks the file by itself - the free pages are carried through every copy and backup until a
-- VACUUM (or incremental auto_vacuum) returns them.
SELECT 'main' AS schema_name, 'freelist_count' AS setting_name, f.freelist_count AS free_pages,
       p.page_count AS total_pages, round(100.0 * f.freelist_count / p.page_count, 1) AS percent_free,
       round(f.freelist_count * s.page_size / 1048576.0, 1) AS free_mib
FROM pragma_freelist_count f, pragma_page_count p, pragma_page_size s, pragma_auto_vacuum a
WHERE a.auto_vacuum = 0
  AND p.page_count > 0
  AND f.freelist_count >= 256
  AND f.freelist_count >= 0.25 * p.page_count

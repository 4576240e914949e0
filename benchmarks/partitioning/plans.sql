-- Plans of the partitioned prototype (benchmarks/PARTITIONING.md): run after prototype.sql, in the same database.
SET search_path = part, public;
\echo '--- plan 1: declaration search, tax code (either party) + two months (the SQL of declaration_search)'
EXPLAIN (COSTS OFF) SELECT * FROM declarations_declaration WHERE ((importer_exporter_tax_code = '0000001234' OR declarant_tax_code = '0000001234') AND registered_on >= '2025-03-01' AND registered_on <= '2025-04-30') ORDER BY registered_on DESC, base_number DESC LIMIT 50;
\echo '--- plan 2: scoring read of one 31-day window as today (range on the headers only)'
EXPLAIN (COSTS OFF) SELECT l.hs_code, d.base_number FROM declarations_declarationline l JOIN declarations_declaration d ON d.id = l.declaration_id WHERE d.registered_on >= '2025-03-01' AND d.registered_on < '2025-04-01';
\echo '--- plan 3: the same with the range on the lines too'
EXPLAIN (COSTS OFF) SELECT l.hs_code, d.base_number FROM declarations_declarationline l JOIN declarations_declaration d ON d.id = l.declaration_id AND d.registered_on = l.registered_on WHERE d.registered_on >= '2025-03-01' AND d.registered_on < '2025-04-01' AND l.registered_on >= '2025-03-01' AND l.registered_on < '2025-04-01';
\echo '--- plan 4: a declaration by number alone (detail page, audits) — no pruning'
EXPLAIN (COSTS OFF) SELECT * FROM declarations_declaration WHERE base_number = '11111123456';
\echo '--- plan 5: its lines by id and date (pruned to one partition)'
EXPLAIN (COSTS OFF) SELECT * FROM declarations_declarationline WHERE declaration_id = 123456 AND registered_on = '2024-02-10' ORDER BY line_no;
\echo '--- plan 6: enterprise scores since a date (risk.scoring)'
EXPLAIN (COSTS OFF) SELECT tax_code, max(score), sum(duty_at_stake) FROM risk_declarationscore WHERE registered_on >= '2025-07-01' GROUP BY tax_code;
\echo '--- timings, EXPLAIN ANALYZE (load average printed before)'
\! cat /proc/loadavg
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY ON) SELECT l.hs_code, d.base_number FROM declarations_declarationline l JOIN declarations_declaration d ON d.id = l.declaration_id WHERE d.registered_on >= '2025-03-01' AND d.registered_on < '2025-04-01';
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY ON) SELECT l.hs_code, d.base_number FROM declarations_declarationline l JOIN declarations_declaration d ON d.id = l.declaration_id AND d.registered_on = l.registered_on WHERE d.registered_on >= '2025-03-01' AND d.registered_on < '2025-04-01' AND l.registered_on >= '2025-03-01' AND l.registered_on < '2025-04-01';
\echo '--- archive: detach the three partitions of 2021-01 (CONCURRENTLY: no lock on the parents beyond SHARE UPDATE EXCLUSIVE)'
\timing on
CREATE SCHEMA IF NOT EXISTS archive;
ALTER TABLE part.declarations_declarationline DETACH PARTITION part.declarations_declarationline_202101 CONCURRENTLY;
ALTER TABLE part.risk_declarationscore DETACH PARTITION part.risk_declarationscore_202101 CONCURRENTLY;
ALTER TABLE part.declarations_declaration DETACH PARTITION part.declarations_declaration_202101 CONCURRENTLY;
ALTER TABLE part.declarations_declarationline_202101 SET SCHEMA archive;
ALTER TABLE part.risk_declarationscore_202101 SET SCHEMA archive;
ALTER TABLE part.declarations_declaration_202101 SET SCHEMA archive;
\timing off
SELECT count(*) AS archived_lines FROM archive.declarations_declarationline_202101;
SELECT count(*) AS lines_still_partitioned FROM part.declarations_declarationline;
\echo '--- a month made ahead (what the daily job runs)'
CREATE TABLE IF NOT EXISTS part.declarations_declaration_202603 PARTITION OF part.declarations_declaration FOR VALUES FROM ('2026-03-01') TO ('2026-04-01');
SELECT count(*) AS partitions_of_headers FROM pg_inherits WHERE inhparent = 'part.declarations_declaration'::regclass;

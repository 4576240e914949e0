-- Prototype of monthly partitioning (issue 20 item 1, benchmarks/PARTITIONING.md): schema part, same columns as the
-- app's tables. Run in a migrated database: psql -h 127.0.0.1 -U postgres DB -f prototype.sql -f plans.sql
DROP SCHEMA IF EXISTS part CASCADE;
CREATE SCHEMA part;
SET search_path = part, public;
CREATE TABLE part.declarations_declaration (LIKE public.declarations_declaration INCLUDING DEFAULTS INCLUDING CONSTRAINTS)
  PARTITION BY RANGE (registered_on);
ALTER TABLE part.declarations_declaration ADD PRIMARY KEY (id, registered_on);
ALTER TABLE part.declarations_declaration ADD CONSTRAINT decl_number_date_unique UNIQUE (base_number, registered_on);
CREATE INDEX decl_ie_tax_date ON part.declarations_declaration (importer_exporter_tax_code, registered_on);
CREATE INDEX decl_decl_tax_date ON part.declarations_declaration (declarant_tax_code, registered_on);
CREATE INDEX decl_job ON part.declarations_declaration (import_job_id);
-- the global uniqueness of a declaration number, which a partitioned table cannot hold: a small registry
CREATE TABLE part.declarations_declarationnumber (base_number varchar(11) PRIMARY KEY, registered_on date NOT NULL,
  declaration_id bigint NOT NULL);
CREATE TABLE part.declarations_declarationline (LIKE public.declarations_declarationline INCLUDING DEFAULTS INCLUDING CONSTRAINTS,
  registered_on date NOT NULL) PARTITION BY RANGE (registered_on);
ALTER TABLE part.declarations_declarationline ADD PRIMARY KEY (id, registered_on);
ALTER TABLE part.declarations_declarationline ADD CONSTRAINT decl_line_unique UNIQUE (declaration_id, line_no, registered_on);
CREATE TABLE part.risk_declarationscore (LIKE public.risk_declarationscore INCLUDING DEFAULTS INCLUDING CONSTRAINTS)
  PARTITION BY RANGE (registered_on);
ALTER TABLE part.risk_declarationscore ADD PRIMARY KEY (declaration_id, registered_on);
CREATE INDEX risk_dscore_tax_date ON part.risk_declarationscore (tax_code, registered_on);
-- the partitions of 2021-01 … 2026-02 (the daily job makes them ahead; here all at once)
DO $$
DECLARE m date := '2021-01-01';
BEGIN
  WHILE m < '2026-03-01' LOOP
    EXECUTE format('CREATE TABLE part.%I PARTITION OF part.declarations_declaration FOR VALUES FROM (%L) TO (%L)',
                   'declarations_declaration_' || to_char(m, 'YYYYMM'), m, m + interval '1 month');
    EXECUTE format('CREATE TABLE part.%I PARTITION OF part.declarations_declarationline FOR VALUES FROM (%L) TO (%L)',
                   'declarations_declarationline_' || to_char(m, 'YYYYMM'), m, m + interval '1 month');
    EXECUTE format('CREATE TABLE part.%I PARTITION OF part.risk_declarationscore FOR VALUES FROM (%L) TO (%L)',
                   'risk_declarationscore_' || to_char(m, 'YYYYMM'), m, m + interval '1 month');
    m := m + interval '1 month';
  END LOOP;
END $$;
-- data: ≈ 4,000 declarations a month over 60 months = 240,000 declarations, 3 lines each = 720,000 lines
INSERT INTO part.declarations_declaration (id, base_number, revision, registered_on, customs_office, procedure_type,
  flow, channel, declarant_tax_code, importer_exporter_tax_code, partner_name, partner_country, transport_mode,
  incoterms, currency, exchange_rate, invoice_value, customs_value, total_tax, line_count)
SELECT g, lpad(g::text, 11, '1'), 0, date '2021-01-01' + (g % 1826), '01B1', 'A11', 'I', 1,
       lpad((g % 20000)::text, 10, '0'), lpad((g % 20000)::text, 10, '0'), 'P', 'CN', '1', 'CIF', 'USD', 1, 100,
       1000 + g % 977, 10, 3
FROM generate_series(1, 240000) g;
INSERT INTO part.declarations_declarationline (id, line_no, hs_code, description, origin_country, quantity, unit,
  unit_price, customs_value, import_duty_rate, import_duty, vat_rate, vat, excise_rate, excise, environmental_tax,
  trade_remedy_tax, inspection_result, declaration_id, registered_on)
SELECT d.id * 3 + k, k, '85423100', 'x', 'CN', 1, 'PCE', 1, 100, 5, 5, 10, 10, 0, 0, 0, 0, '', d.id, d.registered_on
FROM part.declarations_declaration d, generate_series(1, 3) k;
INSERT INTO part.risk_declarationscore SELECT id, importer_exporter_tax_code, registered_on, 0.5, 10, 0.5, '[]', now(), 1
FROM part.declarations_declaration;
-- FK of the lines to their declaration: possible once it names the partition key
ALTER TABLE part.declarations_declarationline ADD CONSTRAINT decl_line_declaration_fk
  FOREIGN KEY (declaration_id, registered_on) REFERENCES part.declarations_declaration (id, registered_on);
ANALYZE part.declarations_declaration; ANALYZE part.declarations_declarationline; ANALYZE part.risk_declarationscore;

-- A database of the platform as it exists before hsim: its core tables (reference DDL) with
-- rows in them, the state tables of the earlier simulator, and one org's value tables.
CREATE SCHEMA core;
CREATE TABLE core.org (id serial4 NOT NULL, "name" varchar NULL, "key" varchar NULL,
  value_table varchar NOT NULL, disabled_ts timestamp NULL, schema_name varchar NOT NULL,
  CONSTRAINT org_pkey PRIMARY KEY (id));
CREATE UNIQUE INDEX ix_core_org_name ON core.org USING btree (name);
CREATE TABLE core.entity (id serial4 NOT NULL, value_table_id varchar NULL,
  disabled_ts timestamp NULL, CONSTRAINT entity_pkey PRIMARY KEY (id));
CREATE TABLE core.tag_def (id serial4 NOT NULL, "name" varchar NOT NULL, url varchar NULL,
  doc varchar NULL, dis varchar NULL, file_ext varchar NULL, mime varchar NULL,
  "version" varchar NULL, min_val int4 NULL, max_val int4 NULL, base_uri varchar NULL,
  pref_unit _varchar NULL, disabled_ts timestamp NULL, CONSTRAINT tag_def_pkey PRIMARY KEY (id));
CREATE UNIQUE INDEX ix_core_tag_def_name ON core.tag_def USING btree (name);
CREATE TABLE core.entity_tag (id serial4 NOT NULL, entity_id int4 NULL, tag_id int4 NULL,
  value_n numeric NULL, value_b bool NULL, value_s varchar NULL, value_ts timestamp NULL,
  value_list _varchar NULL, value_dict jsonb NULL, value_ref int4 NULL, value_enum int4 NULL,
  disabled_ts timestamp NULL,
  CONSTRAINT entity_tag_entity_id_tag_id_disabled_ts_key UNIQUE (entity_id, tag_id, disabled_ts),
  CONSTRAINT entity_tag_pkey PRIMARY KEY (id));
CREATE TABLE core.org_entity_permission (id serial4 NOT NULL, org_id int4 NOT NULL,
  entity_id int4 NOT NULL,
  CONSTRAINT org_entity_permission_org_id_entity_id_key UNIQUE (org_id, entity_id),
  CONSTRAINT org_entity_permission_pkey PRIMARY KEY (id));
CREATE TABLE core.poller_config (id serial4 NOT NULL, org_id int4 NOT NULL,
  poller_type varchar(255) NOT NULL, poller_id serial4 NOT NULL, poller_name varchar(255) NOT NULL,
  config text NOT NULL, created_at timestamp DEFAULT now() NULL, status varchar NOT NULL,
  CONSTRAINT poller_config_pkey PRIMARY KEY (id),
  CONSTRAINT poller_config_poller_id_key UNIQUE (poller_id));
CREATE TABLE core.simulator_state (id serial4 PRIMARY KEY,
  service_name varchar(100) DEFAULT 'haystack_simulator', last_run_timestamp timestamptz,
  totalizers jsonb, status varchar(50) DEFAULT 'stopped', config jsonb, error_message text,
  created_at timestamptz DEFAULT now(), updated_at timestamptz DEFAULT now());
CREATE TABLE core.simulator_activity_log (id serial4 PRIMARY KEY, simulator_id int4 NOT NULL,
  "timestamp" timestamptz DEFAULT now(), event_type varchar(50) NOT NULL, message text NOT NULL,
  details jsonb, created_at timestamptz DEFAULT now());
CREATE TABLE core.values_acme (entity_id int4 NOT NULL, ts timestamp DEFAULT now() NOT NULL,
  value_n numeric NULL, value_b bool NULL, value_s varchar NULL, value_ts timestamp NULL,
  status varchar NULL, CONSTRAINT values_acme_pkey PRIMARY KEY (entity_id, ts));
CREATE TABLE core.values_acme_current (entity_id int4 NOT NULL, ts timestamp DEFAULT now() NOT NULL,
  value_n numeric NULL, value_b bool NULL, value_s varchar NULL, value_ts timestamp NULL,
  value_dict jsonb NULL, status varchar NULL, CONSTRAINT values_acme_current_pkey PRIMARY KEY (entity_id));

INSERT INTO core.org (name, key, value_table, schema_name) VALUES ('Acme', 'acme', 'values_acme', 'acme');
INSERT INTO core.entity (value_table_id) VALUES ('acme'), ('acme');
INSERT INTO core.tag_def (name, doc) VALUES ('site', 'A site'), ('dis', 'Display name');
INSERT INTO core.entity_tag (entity_id, tag_id, value_b) VALUES (1, 1, true);
INSERT INTO core.entity_tag (entity_id, tag_id, value_s) VALUES (1, 2, 'Acme HQ');
INSERT INTO core.org_entity_permission (org_id, entity_id) VALUES (1, 1), (1, 2);
-- poller_ids written as max()+1 by the platform's own code: the sequence never moved.
INSERT INTO core.poller_config (org_id, poller_type, poller_id, poller_name, config, status)
  VALUES (1, 'bacnet', 1, 'BACnet gateway', '{}', 'active'),
         (1, 'modbus', 2, 'Modbus meter', '{}', 'active');
INSERT INTO core.simulator_state (status, totalizers) VALUES ('initialized', '{"electric": 12.5}');
INSERT INTO core.simulator_activity_log (simulator_id, event_type, message)
  VALUES (1, 'start', 'Service started');
INSERT INTO core.values_acme (entity_id, ts, value_n, status)
  VALUES (2, '2025-01-01 00:00', 71.5, 'ok'), (2, '2025-01-01 00:15', 71.7, 'ok');
INSERT INTO core.values_acme_current (entity_id, ts, value_n, status)
  VALUES (2, '2025-01-01 00:15', 71.7, 'ok');

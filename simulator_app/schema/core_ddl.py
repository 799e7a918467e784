"""DDL of the platform's `core` tables on PostgreSQL.

Columns, types, constraint and index names follow the platform's reference schema, so hsim
can create a database from scratch or adopt an existing one: every statement is idempotent
and none rewrites or deletes rows. hsim's additions are marked.
"""

CORE_TABLES = [
    "CREATE SCHEMA IF NOT EXISTS core",
    """CREATE TABLE IF NOT EXISTS core.org (
        id serial4 NOT NULL,
        "name" varchar NULL,
        "key" varchar NULL,
        value_table varchar NOT NULL,
        disabled_ts timestamp NULL,
        schema_name varchar NOT NULL,
        CONSTRAINT org_pkey PRIMARY KEY (id))""",
    "CREATE INDEX IF NOT EXISTS ix_core_org_id ON core.org USING btree (id)",
    "CREATE UNIQUE INDEX IF NOT EXISTS ix_core_org_name ON core.org USING btree (name)",
    """CREATE TABLE IF NOT EXISTS core.entity (
        id serial4 NOT NULL,
        value_table_id varchar NULL,
        disabled_ts timestamp NULL,
        CONSTRAINT entity_pkey PRIMARY KEY (id))""",
    "CREATE INDEX IF NOT EXISTS ix_core_entity_id ON core.entity USING btree (id)",
    """CREATE TABLE IF NOT EXISTS core.tag_def (
        id serial4 NOT NULL,
        "name" varchar NOT NULL,
        url varchar NULL,
        doc varchar NULL,
        dis varchar NULL,
        file_ext varchar NULL,
        mime varchar NULL,
        "version" varchar NULL,
        min_val int4 NULL,
        max_val int4 NULL,
        base_uri varchar NULL,
        pref_unit _varchar NULL,
        disabled_ts timestamp NULL,
        CONSTRAINT tag_def_pkey PRIMARY KEY (id))""",
    "CREATE INDEX IF NOT EXISTS ix_core_tag_def_id ON core.tag_def USING btree (id)",
    "CREATE UNIQUE INDEX IF NOT EXISTS ix_core_tag_def_name ON core.tag_def USING btree (name)",
    """CREATE TABLE IF NOT EXISTS core.entity_tag (
        id serial4 NOT NULL,
        entity_id int4 NULL,
        tag_id int4 NULL,
        value_n numeric NULL,
        value_b bool NULL,
        value_s varchar NULL,
        value_ts timestamp NULL,
        value_list _varchar NULL,
        value_dict jsonb NULL,
        value_ref int4 NULL,
        value_enum int4 NULL,
        disabled_ts timestamp NULL,
        CONSTRAINT entity_tag_entity_id_tag_id_disabled_ts_key
            UNIQUE (entity_id, tag_id, disabled_ts),
        CONSTRAINT entity_tag_pkey PRIMARY KEY (id))""",
    "CREATE INDEX IF NOT EXISTS ix_core_entity_tag_entity_id ON core.entity_tag USING btree (entity_id)",
    "CREATE INDEX IF NOT EXISTS ix_core_entity_tag_id ON core.entity_tag USING btree (id)",
    "CREATE INDEX IF NOT EXISTS ix_core_entity_tag_tag_id ON core.entity_tag USING btree (tag_id)",
    """CREATE TABLE IF NOT EXISTS core.org_entity_permission (
        id serial4 NOT NULL,
        org_id int4 NOT NULL,
        entity_id int4 NOT NULL,
        CONSTRAINT org_entity_permission_org_id_entity_id_key UNIQUE (org_id, entity_id),
        CONSTRAINT org_entity_permission_pkey PRIMARY KEY (id))""",
    "CREATE INDEX IF NOT EXISTS ix_core_org_entity_permission_entity_id"
    " ON core.org_entity_permission USING btree (entity_id)",
    "CREATE INDEX IF NOT EXISTS ix_core_org_entity_permission_id"
    " ON core.org_entity_permission USING btree (id)",
    "CREATE INDEX IF NOT EXISTS ix_core_org_entity_permission_org_id"
    " ON core.org_entity_permission USING btree (org_id)",
    """CREATE TABLE IF NOT EXISTS core.poller_config (
        id serial4 NOT NULL,
        org_id int4 NOT NULL,
        poller_type varchar(255) NOT NULL,
        poller_id serial4 NOT NULL,
        poller_name varchar(255) NOT NULL,
        config text NOT NULL,
        created_at timestamp DEFAULT now() NULL,
        status varchar NOT NULL,
        CONSTRAINT poller_config_pkey PRIMARY KEY (id),
        CONSTRAINT poller_config_poller_id_key UNIQUE (poller_id))""",
    "CREATE INDEX IF NOT EXISTS ix_core_poller_config_poller_id"
    " ON core.poller_config USING btree (poller_id)",
    # An adopted database may hold poller_ids written as max()+1 by the platform's own code,
    # past what the serial's sequence has handed out: move the sequence beyond them.
    """SELECT setval(pg_get_serial_sequence('core.poller_config', 'poller_id'),
                     GREATEST((SELECT COALESCE(MAX(poller_id), 0) FROM core.poller_config), 1),
                     (SELECT COUNT(*) > 0 FROM core.poller_config))""",
    """CREATE TABLE IF NOT EXISTS core.simulator_state (
        id serial4 PRIMARY KEY,
        service_name varchar(100) DEFAULT 'haystack_simulator',
        last_run_timestamp timestamptz,
        totalizers jsonb,
        status varchar(50) DEFAULT 'stopped',
        config jsonb,
        error_message text,
        created_at timestamptz DEFAULT now(),
        updated_at timestamptz DEFAULT now())""",
    # hsim additions: a unique link to the simulator (its poller_id) and the engine state.
    "ALTER TABLE core.simulator_state ADD COLUMN IF NOT EXISTS simulator_id int4 NULL",
    "ALTER TABLE core.simulator_state ADD COLUMN IF NOT EXISTS engine_state jsonb NULL",
    "CREATE UNIQUE INDEX IF NOT EXISTS ux_simulator_state_simulator_id"
    " ON core.simulator_state (simulator_id)",
    """CREATE TABLE IF NOT EXISTS core.simulator_activity_log (
        id serial4 PRIMARY KEY,
        simulator_id int4 NOT NULL,
        "timestamp" timestamptz DEFAULT now(),
        event_type varchar(50) NOT NULL,
        message text NOT NULL,
        details jsonb,
        created_at timestamptz DEFAULT now())""",
    "CREATE INDEX IF NOT EXISTS idx_activity_log_simulator_id"
    " ON core.simulator_activity_log (simulator_id)",
    "CREATE INDEX IF NOT EXISTS idx_activity_log_timestamp"
    ' ON core.simulator_activity_log ("timestamp" DESC)',
    "CREATE INDEX IF NOT EXISTS idx_activity_log_event_type"
    " ON core.simulator_activity_log (event_type)",
]

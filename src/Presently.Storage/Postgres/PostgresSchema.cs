namespace Presently.Storage.Postgres;

/// <summary>
/// Schema migrations, applied in order by <see cref="PostgresMigrator"/>; <c>schema_version</c> records how
/// far a database got. Same tables, columns and meanings as the SQLite schema: times are bigint
/// milliseconds since 1970, roles and statuses the same lower-case text.
/// </summary>
internal static class PostgresSchema
{
    /// <summary>
    /// Every table holding rows of one agent by <c>agent_key</c>: removing an agent with its data empties
    /// them all, so a table added here is cleaned with no change to the removal code.
    /// </summary>
    public static readonly string[] AgentDataTables = ["agent_usage", "spans", "device_overlaps", .. Rollups.RollupTable.Names];

    public static readonly string[] Migrations =
    [
        // Accounts, agents, enrollment, audit, settings and the agents' daily quota use.
        """
        CREATE TABLE persons (
            id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            -- Ordered byte-wise, as SQLite does, whatever the database's locale.
            name           text COLLATE "C" NOT NULL UNIQUE,
            role           text NOT NULL DEFAULT 'member',
            password_hash  text,
            created_ms     bigint NOT NULL DEFAULT 0,
            -- Part of every session cookie; a new value ends all of that person's sessions (sign-out,
            -- password or role change, "sign out everywhere"). Whoever inserts a person gets one:
            -- 32 hex digits from the server's strong random source (a version-4 UUID, 122 random bits).
            security_stamp text NOT NULL DEFAULT replace(gen_random_uuid()::text, '-', ''),
            -- Single sign-on: an e-mail an admin set for the person (lower case), and the provider
            -- account (issuer, subject) bound at the first sign-in with that e-mail verified.
            email          text,
            oidc_issuer    text,
            oidc_subject   text
        );
        CREATE UNIQUE INDEX persons_by_email ON persons(email) WHERE email IS NOT NULL;
        CREATE UNIQUE INDEX persons_by_oidc ON persons(oidc_issuer, oidc_subject) WHERE oidc_subject IS NOT NULL;

        CREATE TABLE agents (
            key             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            id              text NOT NULL UNIQUE,
            person_id       bigint NOT NULL REFERENCES persons(id),
            host            text COLLATE "C" NOT NULL,
            os              text NOT NULL,
            agent_version   text NOT NULL,
            capabilities    text NOT NULL,
            status          text NOT NULL DEFAULT 'active',
            highest_seq     bigint NOT NULL DEFAULT 0,
            first_seen_ms   bigint NOT NULL,
            last_seen_ms    bigint NOT NULL,
            clock_offset_ms bigint NOT NULL DEFAULT 0,
            name            text,
            -- SHA-256 of the agent's 256-bit secret: a fast hash is enough for a random secret that long.
            credential_hash text,
            -- At least the latest end of any span of the agent: a span starting there or later overlaps
            -- nothing, so an agent streaming forward in time needs no neighbour lookups.
            max_end_ms      bigint NOT NULL DEFAULT 0
        );
        CREATE UNIQUE INDEX agents_by_credential ON agents(credential_hash) WHERE credential_hash IS NOT NULL;

        CREATE TABLE enrollment_codes (
            id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            code_hash     text NOT NULL UNIQUE,
            hint          text NOT NULL,
            person_id     bigint NOT NULL REFERENCES persons(id),
            created_by    text NOT NULL,
            created_ms    bigint NOT NULL,
            expires_ms    bigint NOT NULL,
            used_ms       bigint,
            used_by_agent text,
            revoked_ms    bigint
        );

        CREATE TABLE audit_log (
            id      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            at_ms   bigint NOT NULL,
            actor   text NOT NULL,
            action  text COLLATE "C" NOT NULL,
            target  text NOT NULL,
            detail  text
        );
        -- The audit page filters by action and pages by id.
        CREATE INDEX audit_by_action ON audit_log(action, id);

        CREATE TABLE settings (
            key   text PRIMARY KEY,
            value text NOT NULL
        );

        -- Bytes and spans stored per agent and UTC day of span start (days since 1970), kept in step
        -- with spans in the ingest transaction.
        CREATE TABLE agent_usage (
            agent_key bigint NOT NULL,
            day       bigint NOT NULL,
            bytes     bigint NOT NULL,
            spans     bigint NOT NULL,
            PRIMARY KEY (agent_key, day)
        );
        """,
        // Spans in parts of at most an hour (StoredSpans), partitioned by month of start so old months
        // are dropped whole; rollups per agent, app and UTC hour or day, kept in the ingest transaction.
        """
        -- Where each agent got to, so a batch starts without scanning its spans (the latest-starting
        -- span is null when not known, and looked up then).
        ALTER TABLE agents ADD COLUMN max_span_id bigint NOT NULL DEFAULT 0;
        ALTER TABLE agents ADD COLUMN latest_span_id bigint;
        ALTER TABLE agents ADD COLUMN latest_start_ms bigint;

        CREATE TABLE spans (
            agent_key bigint NOT NULL,
            span_id   bigint NOT NULL,
            part      integer NOT NULL,
            seq       bigint NOT NULL,
            start_ms  bigint NOT NULL,
            end_ms    bigint NOT NULL,
            state     smallint NOT NULL,
            app       text,
            title     text,
            context   text,
            -- The span's size against the daily quota, on part 0 only.
            bytes     integer NOT NULL DEFAULT 0,
            -- A partitioned table's key must hold the partition key; ingest keeps (agent, span, part) unique.
            PRIMARY KEY (agent_key, span_id, part, start_ms)
        ) PARTITION BY RANGE (start_ms);
        -- Ingest's neighbour lookups and reports' edges: an agent's rows by start (end_ms a key column
        -- too, so rows of the hour before a period that end before it are passed over in the index).
        CREATE INDEX spans_by_agent_start ON spans(agent_key, start_ms, end_ms);

        CREATE TABLE rollup_hours (hour bigint NOT NULL, agent_key bigint NOT NULL, app text NOT NULL, ms bigint NOT NULL,
            PRIMARY KEY (hour, agent_key, app));
        CREATE TABLE rollup_days (day bigint NOT NULL, agent_key bigint NOT NULL, app text NOT NULL, ms bigint NOT NULL,
            PRIMARY KEY (day, agent_key, app));
        CREATE TABLE context_hours (ckey text NOT NULL, hour bigint NOT NULL, agent_key bigint NOT NULL, app text NOT NULL, value text NOT NULL,
            ms bigint NOT NULL, PRIMARY KEY (ckey, hour, agent_key, app, value));
        CREATE TABLE context_days (ckey text NOT NULL, day bigint NOT NULL, agent_key bigint NOT NULL, app text NOT NULL, value text NOT NULL,
            ms bigint NOT NULL, PRIMARY KEY (ckey, day, agent_key, app, value));
        """,
        // Teams: the board groups people by them. A person is in one team at most.
        """
        CREATE TABLE teams (
            id   bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            name text COLLATE "C" NOT NULL UNIQUE
        );
        CREATE TABLE team_members (
            person_id bigint PRIMARY KEY REFERENCES persons(id) ON DELETE CASCADE,
            team_id   bigint NOT NULL REFERENCES teams(id) ON DELETE CASCADE
        );
        """,
        // Personal API tokens.
        """
        -- Personal API tokens: the SHA-256 of the secret (256 random bits), never the secret itself,
        -- and a short hint so their owner can tell them apart. Revoking one deletes its row.
        CREATE TABLE api_tokens (
            id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            person_id    bigint NOT NULL REFERENCES persons(id) ON DELETE CASCADE,
            name         text NOT NULL,
            token_hash   text NOT NULL UNIQUE,
            hint         text NOT NULL,
            scope        text NOT NULL,
            created_ms   bigint NOT NULL,
            -- Written at most once a minute per token, so a script polling the API does not write on every call.
            last_used_ms bigint
        );
        CREATE INDEX api_tokens_by_person ON api_tokens(person_id, id);
        """,
        // How each person reads time: time zone, first day of the week, the hour their day starts.
        """
        CREATE TABLE person_preferences (
            person_id      bigint PRIMARY KEY REFERENCES persons(id) ON DELETE CASCADE,
            time_zone      text,
            week_start     integer NOT NULL DEFAULT 1,
            day_start_hour integer NOT NULL DEFAULT 0
        );
        """,
        // Categories: rules that put spans in categories such as Work/Coding (Storage/Categories).
        """
        CREATE TABLE categories (
            id       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            path     text COLLATE "C" NOT NULL UNIQUE,
            pattern  text NOT NULL DEFAULT '',
            -- CategoryField: 0 any, 1 app, 2 title, 3 context.
            field    integer NOT NULL DEFAULT 0,
            -- #rrggbb, or null for the parent's.
            colour   text,
            score    integer NOT NULL DEFAULT 0,
            -- The admins' order, which breaks ties between equally deep matches.
            position bigint NOT NULL
        );
        CREATE INDEX categories_by_position ON categories(position, id);
        """,
        // A person's time is counted once across their devices (ForegroundDevice): pieces of spans another
        // of their devices held, each within one UTC hour, taken out of rollups and reports. Spans stored
        // before this step are counted once after `presently-server rebuild-rollups`.
        """
        CREATE TABLE device_overlaps (
            agent_key bigint NOT NULL,
            start_ms  bigint NOT NULL,
            end_ms    bigint NOT NULL,
            person_id bigint NOT NULL,
            app       text,
            title     text,
            context   text,
            PRIMARY KEY (agent_key, start_ms)
        );
        CREATE INDEX device_overlaps_by_person ON device_overlaps(person_id, start_ms);
        -- Ingest asks, per batch, whether the agent's person has other agents.
        CREATE INDEX agents_by_person ON agents(person_id);
        -- The fingerprint of the category rules the category rollups were summed with: ingest and
        -- rebuilds lock this row to keep to one set of rules (PostgresCategoryRollups).
        INSERT INTO settings(key, value) VALUES ('rollups.categories', '') ON CONFLICT (key) DO NOTHING;
        """,
    ];
}

using Microsoft.Data.Sqlite;

namespace Presently.Storage.Sqlite;

/// <summary>One schema step: SQL, then optionally work done in C# in the same transaction.</summary>
internal sealed record SqliteMigration(string Sql, Func<SqliteConnection, SqliteTransaction, CancellationToken, Task>? Then = null)
{
    public static implicit operator SqliteMigration(string sql) => new(sql);
}

/// <summary>Schema migrations, applied in order; <c>PRAGMA user_version</c> records how far a file got.</summary>
internal static class SqliteSchema
{
    public static readonly SqliteMigration[] Migrations =
    [
        """
        CREATE TABLE persons (
            id    INTEGER PRIMARY KEY,
            name  TEXT NOT NULL UNIQUE,
            role  TEXT NOT NULL DEFAULT 'member'
        );
        CREATE TABLE agents (
            key             INTEGER PRIMARY KEY,
            id              TEXT NOT NULL UNIQUE,
            person_id       INTEGER NOT NULL REFERENCES persons(id),
            host            TEXT NOT NULL,
            os              TEXT NOT NULL,
            agent_version   TEXT NOT NULL,
            capabilities    TEXT NOT NULL,
            status          TEXT NOT NULL DEFAULT 'active',
            highest_seq     INTEGER NOT NULL DEFAULT 0,
            first_seen_ms   INTEGER NOT NULL,
            last_seen_ms    INTEGER NOT NULL,
            clock_offset_ms INTEGER NOT NULL DEFAULT 0
        );
        CREATE TABLE spans (
            agent_key INTEGER NOT NULL REFERENCES agents(key),
            span_id   INTEGER NOT NULL,
            seq       INTEGER NOT NULL,
            start_ms  INTEGER NOT NULL,
            end_ms    INTEGER NOT NULL,
            state     INTEGER NOT NULL,
            app       TEXT,
            title     TEXT,
            context   TEXT,
            PRIMARY KEY (agent_key, span_id)
        ) WITHOUT ROWID;
        -- Reports look for spans overlapping a period: end_ms > from AND start_ms < to.
        CREATE INDEX spans_by_end ON spans(end_ms, start_ms);
        """,
        """
        ALTER TABLE persons ADD COLUMN password_hash TEXT;
        ALTER TABLE persons ADD COLUMN created_ms INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE agents ADD COLUMN name TEXT;
        -- SHA-256 of the agent's 256-bit secret: a fast hash is enough for a random secret that long.
        ALTER TABLE agents ADD COLUMN credential_hash TEXT;
        CREATE UNIQUE INDEX agents_by_credential ON agents(credential_hash) WHERE credential_hash IS NOT NULL;
        CREATE TABLE enrollment_codes (
            id            INTEGER PRIMARY KEY,
            code_hash     TEXT NOT NULL UNIQUE,
            hint          TEXT NOT NULL,
            person_id     INTEGER NOT NULL REFERENCES persons(id),
            created_by    TEXT NOT NULL,
            created_ms    INTEGER NOT NULL,
            expires_ms    INTEGER NOT NULL,
            used_ms       INTEGER,
            used_by_agent TEXT,
            revoked_ms    INTEGER
        );
        CREATE TABLE audit_log (
            id      INTEGER PRIMARY KEY,
            at_ms   INTEGER NOT NULL,
            actor   TEXT NOT NULL,
            action  TEXT NOT NULL,
            target  TEXT NOT NULL,
            detail  TEXT
        );
        CREATE TABLE settings (
            key   TEXT PRIMARY KEY,
            value TEXT NOT NULL
        );
        """,
        """
        -- Part of every session cookie; a new value ends all of that person's sessions
        -- (sign-out, password or role change, "sign out everywhere").
        ALTER TABLE persons ADD COLUMN security_stamp TEXT NOT NULL DEFAULT '';
        UPDATE persons SET security_stamp = lower(hex(randomblob(16)));
        -- Whoever inserts a person (the span store does, for agents' owners), they get a stamp.
        CREATE TRIGGER persons_get_a_stamp AFTER INSERT ON persons WHEN NEW.security_stamp = '' BEGIN
            UPDATE persons SET security_stamp = lower(hex(randomblob(16))) WHERE id = NEW.id;
        END;
        -- Single sign-on: an e-mail an admin set for the person (lower case), and the provider
        -- account (issuer, subject) bound at the first sign-in with that e-mail verified.
        ALTER TABLE persons ADD COLUMN email TEXT;
        ALTER TABLE persons ADD COLUMN oidc_issuer TEXT;
        ALTER TABLE persons ADD COLUMN oidc_subject TEXT;
        CREATE UNIQUE INDEX persons_by_email ON persons(email) WHERE email IS NOT NULL;
        CREATE UNIQUE INDEX persons_by_oidc ON persons(oidc_issuer, oidc_subject) WHERE oidc_subject IS NOT NULL;
        -- The audit page filters by action and pages by id.
        CREATE INDEX audit_by_action ON audit_log(action, id);
        """,
        // Ingest keeps each agent's spans apart and each agent-day within its quota.
        """
        -- The neighbours a new span of an agent must not overlap, found without a scan.
        CREATE INDEX spans_by_agent_start ON spans(agent_key, start_ms);
        -- At least the latest end of any span of the agent: a span starting there or later overlaps
        -- nothing, so an agent streaming forward in time (the usual case) needs no neighbour lookups.
        ALTER TABLE agents ADD COLUMN max_end_ms INTEGER NOT NULL DEFAULT 0;
        UPDATE agents SET max_end_ms = coalesce((SELECT max(end_ms) FROM spans WHERE agent_key = agents.key), 0);
        -- What a span costs against the daily quota (SpanSize.Of: 64 plus app, title and context in
        -- UTF-8), kept with it so a new version counts its new size minus the old.
        ALTER TABLE spans ADD COLUMN bytes INTEGER NOT NULL DEFAULT 0;
        UPDATE spans SET bytes = 64 + coalesce(length(CAST(app AS BLOB)), 0) + coalesce(length(CAST(title AS BLOB)), 0) + coalesce(length(CAST(context AS BLOB)), 0);
        -- Bytes and spans stored per agent and UTC day of span start (days since 1970), kept in step
        -- with spans in the ingest transaction.
        CREATE TABLE agent_usage (
            agent_key INTEGER NOT NULL,
            day       INTEGER NOT NULL,
            bytes     INTEGER NOT NULL,
            spans     INTEGER NOT NULL,
            PRIMARY KEY (agent_key, day)
        ) WITHOUT ROWID;
        INSERT INTO agent_usage(agent_key, day, bytes, spans)
            SELECT agent_key, CAST(floor(start_ms / 86400000.0) AS INTEGER), sum(bytes), count(*)
            FROM spans GROUP BY agent_key, CAST(floor(start_ms / 86400000.0) AS INTEGER);
        """,
        // Reports follow the period: spans are stored in parts of at most an hour (so a period's rows
        // are found between two bounds) and rolled up per hour and day.
        new(SqliteSpanParts.Table + SqliteRollups.Tables, SqliteSpanParts.MigrateAsync),
        // Teams: the board groups people by them. A person is in one team at most.
        """
        CREATE TABLE teams (
            id   INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE
        );
        CREATE TABLE team_members (
            person_id INTEGER PRIMARY KEY REFERENCES persons(id) ON DELETE CASCADE,
            team_id   INTEGER NOT NULL REFERENCES teams(id) ON DELETE CASCADE
        );
        """,
        // Personal API tokens.
        """
        -- Personal API tokens: the SHA-256 of the secret (256 random bits), never the secret itself,
        -- and a short hint so their owner can tell them apart. Revoking one deletes its row.
        CREATE TABLE api_tokens (
            id           INTEGER PRIMARY KEY,
            person_id    INTEGER NOT NULL REFERENCES persons(id) ON DELETE CASCADE,
            name         TEXT NOT NULL,
            token_hash   TEXT NOT NULL UNIQUE,
            hint         TEXT NOT NULL,
            scope        TEXT NOT NULL,
            created_ms   INTEGER NOT NULL,
            -- Written at most once a minute per token, so a script polling the API does not write on every call.
            last_used_ms INTEGER
        );
        CREATE INDEX api_tokens_by_person ON api_tokens(person_id, id);
        """,
        // How each person reads time: time zone, first day of the week, the hour their day starts.
        """
        CREATE TABLE person_preferences (
            person_id      INTEGER PRIMARY KEY REFERENCES persons(id) ON DELETE CASCADE,
            time_zone      TEXT,
            week_start     INTEGER NOT NULL DEFAULT 1,
            day_start_hour INTEGER NOT NULL DEFAULT 0
        );
        """,
        // Categories: rules that put spans in categories such as Work/Coding (Storage/Categories).
        """
        CREATE TABLE categories (
            id       INTEGER PRIMARY KEY,
            path     TEXT NOT NULL UNIQUE,
            pattern  TEXT NOT NULL DEFAULT '',
            -- CategoryField: 0 any, 1 app, 2 title, 3 context.
            field    INTEGER NOT NULL DEFAULT 0,
            -- #rrggbb, or null for the parent's.
            colour   TEXT,
            score    INTEGER NOT NULL DEFAULT 0,
            -- The admins' order, which breaks ties between equally deep matches.
            position INTEGER NOT NULL
        );
        CREATE INDEX categories_by_position ON categories(position, id);
        """,
        // A person's time is counted once across their devices: what the device in front holds is kept
        // as overlaps of the others (ForegroundDevice) and taken out of the rollups, worked out here for
        // the spans stored before (and the category rollups summed with the categories stored so far).
        new(SqliteRollups.OverlapsTable, SqliteRollups.RebuildAsync),
    ];
}

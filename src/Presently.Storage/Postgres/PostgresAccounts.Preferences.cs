namespace Presently.Storage.Postgres;

/// <summary>People's preferences in PostgreSQL (<see cref="IPreferencesStore"/>).</summary>
public sealed partial class PostgresAccounts : IPreferencesStore
{
    public async Task<PersonPreferences> GetPreferencesAsync(long personId, CancellationToken ct = default) =>
        await QuerySingleAsync("SELECT time_zone, week_start, day_start_hour FROM person_preferences WHERE person_id = $1",
            r => new PersonPreferences(r.IsDBNull(0) ? null : r.GetString(0), (DayOfWeek)Math.Clamp(r.GetInt32(1), 0, 6), Math.Clamp(r.GetInt32(2), 0, 23)), ct, personId)
        ?? PersonPreferences.Default;

    public Task SetPreferencesAsync(long personId, PersonPreferences preferences, CancellationToken ct = default) =>
        ExecuteAsync("""
            INSERT INTO person_preferences(person_id, time_zone, week_start, day_start_hour) SELECT id, $2, $3, $4 FROM persons WHERE id = $1
            ON CONFLICT(person_id) DO UPDATE SET time_zone = excluded.time_zone, week_start = excluded.week_start, day_start_hour = excluded.day_start_hour
            """, ct, personId, preferences.TimeZone, (int)preferences.WeekStart, preferences.DayStartHour);
}

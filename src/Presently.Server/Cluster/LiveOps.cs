using System.Text.Json;
using System.Text.Json.Serialization;
using Presently.Protocol;
using Presently.Server.Live;

namespace Presently.Server.Cluster;

/// <summary>What a live-state message on Redis says happened (<see cref="ILiveUpdates"/>, plus an instance gone).</summary>
public enum LiveOpKind
{
    Connected,
    Spans,
    Disconnected,
    Identify,
    Removed,
    Teams,
    InstanceGone,
}

/// <summary>One change to the live state as instances pass it on; fields unused by its kind stay null.</summary>
public sealed record LiveOp(
    LiveOpKind Kind,
    string? AgentId = null,
    Guid Session = default,
    string? Instance = null,
    string? Person = null,
    string? Host = null,
    string? Os = null,
    long ClockOffsetMs = 0,
    string? Name = null,
    LiveSpan? Span = null);

/// <summary>An agent's latest committed span, as the board needs it.</summary>
public sealed record LiveSpan(long Seq, long SpanId, long StartMs, long EndMs, SpanState State, string? App, string? Title, string? Context)
{
    public static LiveSpan Of(SpanRecord s) => new(s.Seq, s.SpanId, s.StartMs, s.EndMs, s.State, s.App, s.Title, s.Context?.ToJson());

    public SpanRecord ToRecord() => new(Seq, SpanId, StartMs, EndMs, State, App, Title, SpanContext.FromJson(Context));
}

/// <summary>The one reader and writer of live-state messages and connection records on Redis.</summary>
public static class LiveOpCodec
{
    /// <summary>
    /// Bound on what is read back: an op carries at most a span (a title and a context within the
    /// protocol's limits) and a few names, well under this. Anything larger is not ours.
    /// </summary>
    public const int MaxBytes = 64 * 1024;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingDefault,
        Converters = { new JsonStringEnumConverter() },
    };

    public static string Write<T>(T value) => JsonSerializer.Serialize(value, Json);

    /// <summary>The value, or null when it is too large or not one (logged by the caller).</summary>
    public static T? Read<T>(byte[]? utf8) where T : class
    {
        if (utf8 is null || utf8.Length is 0 or > MaxBytes) return null;
        try
        {
            return JsonSerializer.Deserialize<T>(utf8, Json);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}

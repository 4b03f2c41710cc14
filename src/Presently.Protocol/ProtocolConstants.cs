namespace Presently.Protocol;

public static class ProtocolConstants
{
    public const int Version = 1;
    public const string Path = "/agent/v1";

    /// <summary>Largest frame either side accepts, after permessage-deflate is undone.</summary>
    public const int MaxFrameBytes = 64 * 1024;
    public const int MaxSpansPerBatch = 500;

    /// <summary>
    /// Largest first frame the server reads before Hello: the biggest valid Hello (every field at its
    /// limit, four UTF-8 bytes a character) fits. Until Hello a connection holds no more than this.
    /// </summary>
    public const int MaxHelloBytes = 16 * 1024;

    public const int MaxAppLength = 256;
    public const int MaxTitleLength = 1024;
    public const int MaxContextLength = 1024;
    public const int MaxIdLength = 128;
    public const int MaxCapabilities = 32;

    /// <summary>The one rule for agent ids, on both sides: 1-128 characters of A-Z a-z 0-9 _ -.</summary>
    public static bool IsValidAgentId(string? id) =>
        id is { Length: > 0 and <= MaxIdLength } && id.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-');

    /// <summary>Spans ending further ahead of the server clock than this are rejected.</summary>
    public static readonly TimeSpan MaxFutureSkew = TimeSpan.FromMinutes(5);

    /// <summary>
    /// A Hello whose agent clock is further than this from the server's is refused: the server
    /// corrects skewed clocks, but an offset this large is a broken clock or a forged Hello.
    /// </summary>
    public static readonly TimeSpan MaxClockOffset = TimeSpan.FromDays(1);
}

/// <summary>Codes carried by <see cref="ErrorMessage.Code"/>. Documented in docs/protocol.md.</summary>
public static class ErrorCodes
{
    public const string MalformedFrame = "malformed_frame";
    public const string FrameTooLarge = "frame_too_large";
    public const string UnknownMessageType = "unknown_message_type";
    public const string UnexpectedMessage = "unexpected_message";
    public const string UnsupportedVersion = "unsupported_version";
    public const string InvalidHello = "invalid_hello";
    public const string InvalidSpan = "invalid_span";
    public const string FutureTimestamp = "future_timestamp";
    public const string TooManySpans = "too_many_spans";
    public const string QuotaExceeded = "quota_exceeded";
    public const string ServerError = "server_error";
}

/// <summary>WebSocket close statuses beyond the RFC 6455 ones. Documented in docs/protocol.md.</summary>
public static class CloseCodes
{
    /// <summary>RFC 6455 1007: the frame was not valid MessagePack of this protocol.</summary>
    public const int InvalidPayload = 1007;
    /// <summary>RFC 6455 1008: a protocol rule was broken (for example a second Hello).</summary>
    public const int PolicyViolation = 1008;
    /// <summary>RFC 6455 1009: the frame was larger than <see cref="ProtocolConstants.MaxFrameBytes"/>.</summary>
    public const int MessageTooBig = 1009;
    /// <summary>RFC 6455 1001: the server is shutting down; reconnect.</summary>
    public const int GoingAway = 1001;
    /// <summary>The agent speaks a protocol version the server does not.</summary>
    public const int UnsupportedVersion = 4000;
    /// <summary>A newer connection with the same credential replaced this one.</summary>
    public const int Replaced = 4001;
    /// <summary>The agent was blocked by an admin; do not reconnect until unblocked.</summary>
    public const int Blocked = 4003;
    /// <summary>The agent was removed by an admin and its credential revoked; enroll again to come back.</summary>
    public const int Removed = 4004;
    /// <summary>
    /// The instance holds more than its share of agents: reconnect after the delay in the close
    /// reason (<see cref="RetryHint"/>), through the same address, which may lead to another instance.
    /// </summary>
    public const int Rebalance = 4005;
}

/// <summary>The delay a <see cref="CloseCodes.Rebalance"/> close asks for, written in its reason as <c>retry-after-ms=N</c>.</summary>
public static class RetryHint
{
    /// <summary>An agent waits at most this long whatever the hint says.</summary>
    public static readonly TimeSpan Max = TimeSpan.FromMinutes(1);

    private const string Key = "retry-after-ms=";

    public static string Format(TimeSpan delay) =>
        Key + ((long)Math.Clamp(delay.TotalMilliseconds, 0, Max.TotalMilliseconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The delay in <paramref name="reason"/>, clamped to <see cref="Max"/>; null when there is none.</summary>
    public static TimeSpan? Parse(string? reason)
    {
        if (reason is null || reason.Length > 123) return null;
        var at = reason.IndexOf(Key, StringComparison.Ordinal);
        if (at < 0) return null;
        var digits = reason.AsSpan(at + Key.Length);
        var end = 0;
        while (end < digits.Length && end < 9 && char.IsAsciiDigit(digits[end])) end++;
        return end == 0 ? null : TimeSpan.FromMilliseconds(Math.Min(long.Parse(digits[..end], System.Globalization.CultureInfo.InvariantCulture), (long)Max.TotalMilliseconds));
    }
}

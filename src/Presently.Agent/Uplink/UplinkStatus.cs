namespace Presently.Agent.Uplink;

public enum ConnectionState
{
    Connecting,
    Connected,
    Disconnected,
    Refused,
}

/// <summary>What the uplink knows about itself, for logs and <c>status</c>.</summary>
public sealed class UplinkStatus
{
    public volatile ConnectionState State = ConnectionState.Connecting;
    public long LastAckedSeq;
    public string? LastError;

    /// <summary>Server clock minus agent clock at the last Welcome, in milliseconds.</summary>
    public long ClockOffsetMs;
}

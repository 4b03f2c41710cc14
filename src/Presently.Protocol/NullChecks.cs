namespace Presently.Protocol;

/// <summary>
/// MessagePack happily decodes nil into a non-nullable reference. These checks restore the
/// contract the C# types promise, so code past the decoder can trust its nullability.
/// </summary>
internal static class NullChecks
{
    public static string? FirstMissing(IMessage message) => message switch
    {
        Hello h => h.AgentId is null ? nameof(h.AgentId)
            : h.AgentVersion is null ? nameof(h.AgentVersion)
            : h.Host is null ? nameof(h.Host)
            : h.Os is null ? nameof(h.Os)
            : h.Capabilities is null || Array.Exists(h.Capabilities, c => c is null) ? nameof(h.Capabilities)
            : null,
        Welcome w => w.Policy is null ? nameof(w.Policy) : null,
        SpanBatch b => b.Spans is null || Array.Exists(b.Spans, s => s is null) ? nameof(b.Spans) : null,
        ErrorMessage e => e.Code is null ? nameof(e.Code) : e.Message is null ? nameof(e.Message) : null,
        _ => null,
    };
}

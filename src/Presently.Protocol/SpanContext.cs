using System.Buffers;
using System.Text;
using System.Text.Json;

namespace Presently.Protocol;

/// <summary>The context keys the agent's enrichers write. Other keys of the right shape are carried too (a newer agent's).</summary>
public static class ContextKeys
{
    /// <summary>A browser's tab title (the page's own title, without the browser's name).</summary>
    public const string Tab = "tab";
    /// <summary>The site of a browser tab (host name) when the title or the browser tells it.</summary>
    public const string Site = "site";
    public const string Track = "track";
    public const string Artist = "artist";
    /// <summary>The media player (its MPRIS identity).</summary>
    public const string Player = "player";
    /// <summary>"playing" or "paused".</summary>
    public const string Playback = "playback";
    /// <summary>The program a terminal runs in front (its command line, shortened).</summary>
    public const string Command = "command";
    public const string Project = "project";
    public const string File = "file";

    public static readonly IReadOnlyList<string> Known = [Tab, Site, Track, Artist, Player, Playback, Command, Project, File];
}

/// <summary>
/// What is inside the app: a few key → value facts (a tab, a track, a terminal's program, an
/// editor's project), bounded and compared by value. Keys are 1-16 characters of a-z 0-9 _
/// starting with a letter; at most <see cref="MaxEntries"/> entries, each value at most
/// <see cref="MaxValueLength"/> characters. Entries are kept sorted by key, so two contexts with the
/// same facts are equal and encode to the same bytes.
/// </summary>
public sealed class SpanContext : IEquatable<SpanContext>
{
    public const int MaxEntries = 8;
    public const int MaxKeyLength = 16;
    public const int MaxValueLength = 256;

    private readonly KeyValuePair<string, string>[] _entries;

    private SpanContext(KeyValuePair<string, string>[] sorted) => _entries = sorted;

    public IReadOnlyList<KeyValuePair<string, string>> Entries => _entries;

    public int Count => _entries.Length;

    public string? this[string key]
    {
        get
        {
            foreach (var e in _entries)
                if (e.Key == key) return e.Value;
            return null;
        }
    }

    /// <summary>
    /// A context from what an agent found: entries with an invalid key or an empty value are left
    /// out, values are cut to <see cref="MaxValueLength"/>, a later entry replaces an earlier one with
    /// the same key, and past <see cref="MaxEntries"/> the rest are dropped. Null when nothing is left.
    /// </summary>
    public static SpanContext? From(IEnumerable<KeyValuePair<string, string?>> entries)
    {
        var map = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in entries)
        {
            if (!IsValidKey(key) || string.IsNullOrWhiteSpace(value)) continue;
            if (!map.ContainsKey(key) && map.Count == MaxEntries) continue;
            map[key] = Cut(value.Trim());
        }
        return map.Count == 0 ? null : new SpanContext([.. map]);
    }

    public static SpanContext? Of(params (string Key, string? Value)[] entries) =>
        From(entries.Select(e => new KeyValuePair<string, string?>(e.Key, e.Value)));

    /// <summary>Exactly what was on the wire (sorted, nothing dropped): <see cref="Validate"/> says whether it may be stored.</summary>
    internal static SpanContext FromWire(List<KeyValuePair<string, string>> entries)
    {
        entries.Sort((a, b) => string.CompareOrdinal(a.Key, b.Key));
        return new SpanContext([.. entries]);
    }

    /// <summary>Null when this context keeps every rule; else the first rule it breaks, in one line.</summary>
    public string? Validate()
    {
        if (_entries.Length > MaxEntries) return $"context has {_entries.Length} entries, more than {MaxEntries}";
        for (var i = 0; i < _entries.Length; i++)
        {
            var (key, value) = _entries[i];
            if (!IsValidKey(key)) return $"context key '{(key.Length > 20 ? key[..20] + "…" : key)}' is not 1-{MaxKeyLength} characters of a-z 0-9 _ starting with a letter";
            if (i > 0 && _entries[i - 1].Key == key) return $"context key '{key}' appears twice";
            if (value.Length == 0) return $"context value of '{key}' is empty";
            if (value.Length > MaxValueLength) return $"context value of '{key}' is longer than {MaxValueLength}";
        }
        return null;
    }

    public static bool IsValidKey(string? key)
    {
        if (key is not { Length: > 0 and <= MaxKeyLength } || !char.IsAsciiLetterLower(key[0])) return false;
        foreach (var c in key)
            if (!char.IsAsciiLetterLower(c) && !char.IsAsciiDigit(c) && c != '_') return false;
        return true;
    }

    /// <summary>This context with each value passed through <paramref name="change"/> (null drops the entry).</summary>
    public SpanContext? Select(Func<string, string, string?> change) =>
        From(_entries.Select(e => new KeyValuePair<string, string?>(e.Key, change(e.Key, e.Value))));

    /// <summary>The stored form: a JSON object with the keys in order, e.g. <c>{"site":"github.com","tab":"Pull requests"}</c>.</summary>
    public string ToJson()
    {
        var buffer = new ArrayBufferWriter<byte>(64);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            foreach (var (key, value) in _entries) json.WriteString(key, value);
            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>
    /// Reads the stored form. Text that is not a JSON object of strings (a column written before
    /// contexts were maps) is kept as one entry, <c>text</c>, rather than lost.
    /// </summary>
    public static SpanContext? FromJson(string? stored)
    {
        if (string.IsNullOrEmpty(stored)) return null;
        try
        {
            var entries = new List<KeyValuePair<string, string?>>();
            var reader = new Utf8JsonReader(Encoding.UTF8.GetBytes(stored));
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) return Legacy(stored);
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var key = reader.GetString()!;
                if (!reader.Read() || reader.TokenType != JsonTokenType.String) return Legacy(stored);
                entries.Add(new(key, reader.GetString()));
            }
            return From(entries);
        }
        catch (JsonException)
        {
            return Legacy(stored);
        }
    }

    private static SpanContext? Legacy(string text) => Of(("text", text));

    /// <summary>For people: "site: github.com · tab: Pull requests".</summary>
    public override string ToString() => string.Join(" · ", _entries.Select(e => $"{e.Key}: {e.Value}"));

    public bool Equals(SpanContext? other)
    {
        if (other is null || other._entries.Length != _entries.Length) return false;
        for (var i = 0; i < _entries.Length; i++)
            if (_entries[i].Key != other._entries[i].Key || _entries[i].Value != other._entries[i].Value) return false;
        return true;
    }

    public override bool Equals(object? obj) => Equals(obj as SpanContext);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        foreach (var (key, value) in _entries)
        {
            hash.Add(key);
            hash.Add(value);
        }
        return hash.ToHashCode();
    }

    public static bool operator ==(SpanContext? a, SpanContext? b) => a is null ? b is null : a.Equals(b);

    public static bool operator !=(SpanContext? a, SpanContext? b) => !(a == b);

    private static string Cut(string value)
    {
        if (value.Length <= MaxValueLength) return value;
        // Never cut a surrogate pair in half: the stored text must stay valid UTF-16.
        var end = char.IsHighSurrogate(value[MaxValueLength - 2]) ? MaxValueLength - 2 : MaxValueLength - 1;
        return value[..end] + "…";
    }
}

using System.Globalization;

namespace Presently.Agent.Control;

/// <summary>
/// Pausing is a file in the state directory, so `presently-agent pause` works whether or not the
/// agent is running, and survives restarts. It holds "indefinite" or the instant the pause ends.
/// </summary>
public sealed class PauseControl
{
    private readonly string _path;
    private DateTime _seenWrite;
    private DateTimeOffset? _until;
    private bool _paused;

    /// <summary>When the current pause began (when `pause` wrote its file); null when not paused.</summary>
    public DateTimeOffset? PausedSince => _paused ? new DateTimeOffset(_seenWrite, TimeSpan.Zero) : null;

    public PauseControl(string stateDirectory) => _path = Path.Combine(stateDirectory, "pause");

    public void Pause(DateTimeOffset? until)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(_path)!);
        var temp = _path + ".tmp";
        File.WriteAllText(temp, until is { } u ? u.ToString("O", CultureInfo.InvariantCulture) : "indefinite");
        File.Move(temp, _path, overwrite: true);
    }

    public bool Resume()
    {
        if (!File.Exists(_path)) return false;
        File.Delete(_path);
        return true;
    }

    /// <summary>Changes whenever the pause file is written or removed: one stat, safe on any thread (the sensor's polls it).</summary>
    public long FileVersion()
    {
        try
        {
            return File.GetLastWriteTimeUtc(_path).Ticks;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return -1;
        }
    }

    /// <summary>Whether tracking is paused at <paramref name="now"/>, and until when (null: until resumed).</summary>
    public (bool Paused, DateTimeOffset? Until) State(DateTimeOffset now)
    {
        Refresh();
        if (!_paused) return (false, null);
        return _until is { } u && u <= now ? (false, null) : (true, _until);
    }

    private void Refresh()
    {
        try
        {
            var info = new FileInfo(_path);
            if (!info.Exists)
            {
                _paused = false;
                _seenWrite = default;
                return;
            }
            if (info.LastWriteTimeUtc == _seenWrite) return;
            _seenWrite = info.LastWriteTimeUtc;
            var text = info.Length > 100 ? "indefinite" : File.ReadAllText(_path).Trim();
            _paused = true;
            // Anything unreadable counts as an indefinite pause: when in doubt, record nothing.
            _until = DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var until) ? until : null;
        }
        catch (IOException)
        {
        }
    }

    /// <summary>Parses "30m", "2h", "1h30m", "45s", "1d" or "00:30:00".</summary>
    public static bool TryParseDuration(string text, out TimeSpan duration)
    {
        duration = TimeSpan.Zero;
        if (string.IsNullOrWhiteSpace(text) || text.Length > 32) return false;
        if (TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out duration)) return duration > TimeSpan.Zero;
        var total = TimeSpan.Zero;
        var number = 0L;
        var digits = 0;
        foreach (var c in text.Trim())
        {
            if (char.IsAsciiDigit(c))
            {
                number = number * 10 + (c - '0');
                if (++digits > 6) return false;
                continue;
            }
            if (digits == 0) return false;
            total += c switch
            {
                'd' => TimeSpan.FromDays(number),
                'h' => TimeSpan.FromHours(number),
                'm' => TimeSpan.FromMinutes(number),
                's' => TimeSpan.FromSeconds(number),
                _ => TimeSpan.MinValue,
            };
            if (total < TimeSpan.Zero) return false;
            number = 0;
            digits = 0;
        }
        duration = total;
        return digits == 0 && total > TimeSpan.Zero;
    }
}

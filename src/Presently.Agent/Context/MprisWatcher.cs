using Tmds.DBus.Protocol;

namespace Presently.Agent.Context;

/// <summary>
/// Media players on the session bus (MPRIS): which ones there are, what each plays and whether it plays.
/// Players are listed once at start and then followed from the bus's NameOwnerChanged and each player's
/// PropertiesChanged, so reading <see cref="Players"/> costs nothing and never waits on D-Bus.
/// All D-Bus work runs on the connection's own tasks; each call has a deadline, and a player that does
/// not answer in time is kept as unknown (it says nothing) rather than waited for.
/// </summary>
public sealed class MprisWatcher : IPresenceSource, IDisposable
{
    /// <summary>More players than this are not followed: the bus is shared with every program of the session.</summary>
    public const int MaxPlayers = 32;

    private const string Bus = "org.freedesktop.DBus";
    private const string BusPath = "/org/freedesktop/DBus";
    private const string PlayerPath = "/org/mpris/MediaPlayer2";
    private const string Properties = "org.freedesktop.DBus.Properties";
    private const string MprisNamespace = "org.mpris.MediaPlayer2";
    private static readonly string[] Interfaces = [MprisProperties.RootInterface, MprisProperties.PlayerInterface];

    private readonly string? _address;
    private readonly TimeProvider _time;
    private readonly AgentLog _log;
    private readonly TimeSpan _callTimeout;
    private readonly Lock _lock = new();
    private readonly Dictionary<string, MprisPlayer> _players = new(StringComparer.Ordinal);
    // Names whose properties are being fetched; true when another fetch was asked for meanwhile.
    private readonly Dictionary<string, bool> _fetching = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stop = new();
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private MprisPlayer[] _snapshot = [];
    private DBusConnection? _connection;
    private DateTimeOffset? _stoppedAt;
    private string? _unavailable;
    private bool _warnedFull;

    /// <param name="address">The session bus; null or empty: DBUS_SESSION_BUS_ADDRESS.</param>
    /// <param name="callTimeout">How long a player (or the bus) may take to answer; 3 s if not given.</param>
    public MprisWatcher(string? address, TimeProvider time, AgentLog log, TimeSpan? callTimeout = null)
    {
        _address = string.IsNullOrWhiteSpace(address) ? DBusAddress.Session : address;
        _time = time;
        _log = log;
        _callTimeout = callTimeout ?? TimeSpan.FromSeconds(3);
    }

    /// <summary>Raised on a D-Bus thread when a player appears or leaves, or its track or playback changes. Handlers must be quick.</summary>
    public event Action? Changed;

    /// <summary>Why players cannot be seen (no session bus, the bus closed), or null.</summary>
    public string? Unavailable => Volatile.Read(ref _unavailable);

    /// <summary>The players as last known; a copy that never changes.</summary>
    public IReadOnlyList<MprisPlayer> Players => Volatile.Read(ref _snapshot);

    /// <summary>Completes when the players there at start were asked (answered or not), or the bus could not be reached.</summary>
    public Task Ready => _ready.Task;

    /// <summary>Connects and lists the players in the background; returns at once.</summary>
    public MprisWatcher Start()
    {
        _ = Task.Run(RunAsync);
        return this;
    }

    public DateTimeOffset? LastPlayingAt(DateTimeOffset now)
    {
        foreach (var p in Players)
            if (p.IsPlaying) return now;
        lock (_lock) return _stoppedAt;
    }

    public void Dispose()
    {
        _stop.Cancel();
        lock (_lock)
        {
            _connection?.Dispose();
            _connection = null;
        }
        _ready.TrySetResult();
    }

    private async Task RunAsync()
    {
        if (_address is null)
        {
            SetUnavailable("no session bus (DBUS_SESSION_BUS_ADDRESS is not set)");
            return;
        }
        DBusConnection connection;
        try
        {
            lock (_lock)
            {
                _stop.Token.ThrowIfCancellationRequested();
                connection = _connection = new DBusConnection(_address);
            }
            await connection.ConnectAsync().AsTask().WaitAsync(_callTimeout, _stop.Token);
            // Watch first, then list: a player that starts in between is seen either way.
            await connection.AddMatchAsync(
                new MatchRule { Type = MessageType.Signal, Sender = Bus, Path = BusPath, Interface = Bus, Member = "NameOwnerChanged", Arg0Namespace = MprisNamespace },
                (Message m, object? _) => OnNameOwnerChanged(m), static (Notification<bool> _) => { }, emitOnCapturedContext: false).AsTask().WaitAsync(_callTimeout, _stop.Token);
            await connection.AddMatchAsync(
                new MatchRule { Type = MessageType.Signal, Path = PlayerPath, Interface = Properties, Member = "PropertiesChanged", Arg0Namespace = MprisNamespace },
                (Message m, object? _) => OnPropertiesChanged(m), static (Notification<bool> _) => { }, emitOnCapturedContext: false).AsTask().WaitAsync(_callTimeout, _stop.Token);
            var names = await connection.CallMethodAsync(Call(connection, Bus, BusPath, Bus, "ListNames"),
                static (Message m, object? _) => m.SignatureAsString == "as" ? m.GetBodyReader().ReadArrayOfString() : []).WaitAsync(_callTimeout, _stop.Token);
            var players = names.Where(n => n.StartsWith(MprisPlayer.BusPrefix, StringComparison.Ordinal)).ToList();
            await Task.WhenAll(players.Select(n => FetchAsync(n, owner: null)));
            _log.Info($"media: watching MPRIS players on the session bus ({players.Count} now)");
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            if (!_stop.IsCancellationRequested) SetUnavailable($"session bus not reachable ({ex.Message})");
            return;
        }
        finally
        {
            _ready.TrySetResult();
        }
        var reason = await connection.DisconnectedAsync();
        if (!_stop.IsCancellationRequested) SetUnavailable($"the session bus closed{(reason is null ? "" : $" ({reason.Message})")}");
    }

    /// <summary>Asks a player for all it has (both interfaces). At most one fetch per player runs; more requests run it once more after.</summary>
    private async Task FetchAsync(string name, string? owner)
    {
        lock (_lock)
        {
            if (_fetching.ContainsKey(name))
            {
                _fetching[name] = true;
                return;
            }
            _fetching[name] = false;
        }
        try
        {
            do
            {
                await FetchOnceAsync(name, owner);
                owner = null;
            }
            while (!_stop.IsCancellationRequested && AgainAfterFetch(name));
        }
        finally
        {
            lock (_lock) _fetching.Remove(name);
        }
    }

    private bool AgainAfterFetch(string name)
    {
        lock (_lock)
        {
            if (!_fetching.TryGetValue(name, out var again) || !again) return false;
            _fetching[name] = false;
            return true;
        }
    }

    private async Task FetchOnceAsync(string name, string? owner)
    {
        var connection = Volatile.Read(ref _connection);
        if (connection is null) return;
        try
        {
            // Replies are applied by their readers, on the connection's receive loop, so they and the
            // signals are applied in the order the player sent them.
            owner ??= await connection.CallMethodAsync(Call(connection, Bus, BusPath, Bus, "GetNameOwner", "s", name),
                static (Message m, object? _) => m.SignatureAsString == "s" ? m.GetBodyReader().ReadString() : null).WaitAsync(_callTimeout, _stop.Token);
            if (owner is null || !Track(name, owner)) return;
            foreach (var iface in Interfaces)
            {
                await connection.CallMethodAsync(Call(connection, name, PlayerPath, Properties, "GetAll", "s", iface), (Message m, object? _) =>
                {
                    if (m.SignatureAsString == "a{sv}") Update(p => p.BusName == name, p => MprisProperties.Apply(p, iface, m.GetBodyReader().ReadDictionaryOfStringToVariantValue()) with { Answered = true });
                    return true;
                }).WaitAsync(_callTimeout, _stop.Token);
            }
        }
        catch (DBusErrorReplyException ex) when (ex.ErrorName is "org.freedesktop.DBus.Error.NameHasNoOwner" or "org.freedesktop.DBus.Error.ServiceUnknown")
        {
            Remove(name);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException && !_stop.IsCancellationRequested)
        {
            // No answer in time, an error, or the bus went away: the player is kept but says nothing.
            _log.Debug($"media: {name} did not answer ({ex.GetType().Name}: {ex.Message}); it is ignored until it sends a change");
            Update(p => p.BusName == name, p => p with { Answered = false, Playback = null, Title = null, Artists = [] });
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // Stopping.
        }
    }

    /// <summary>Adds <paramref name="name"/> as an unknown player owned by <paramref name="owner"/>; false when too many players are followed.</summary>
    private bool Track(string name, string owner)
    {
        lock (_lock)
        {
            if (_players.TryGetValue(name, out var known))
            {
                if (known.Owner != owner) _players[name] = known with { Owner = owner };
                return true;
            }
            if (_players.Count >= MaxPlayers)
            {
                if (!_warnedFull) _log.Warn($"media: more than {MaxPlayers} MPRIS players; {name} and later ones are not followed");
                _warnedFull = true;
                return false;
            }
            _players[name] = MprisPlayer.Unknown(name, owner, _time.GetUtcNow());
            Publish();
            return true;
        }
    }

    private bool OnNameOwnerChanged(Message m)
    {
        try
        {
            if (m.SignatureAsString != "sss") return false;
            var reader = m.GetBodyReader();
            var name = reader.ReadString();
            reader.ReadString();
            var owner = reader.ReadString();
            if (!name.StartsWith(MprisPlayer.BusPrefix, StringComparison.Ordinal)) return false;
            if (owner.Length == 0) Remove(name);
            else
            {
                // Known at once, so the new owner's next PropertiesChanged is not dropped.
                lock (_lock)
                    if (_players.TryGetValue(name, out var p)) _players[name] = p with { Owner = owner };
                _ = Task.Run(() => FetchAsync(name, owner));
            }
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            _log.Debug($"media: NameOwnerChanged ignored: {ex.Message}");
        }
        return true;
    }

    private bool OnPropertiesChanged(Message m)
    {
        try
        {
            if (m.SignatureAsString != "sa{sv}as" || m.SenderAsString is not { } sender) return false;
            var reader = m.GetBodyReader();
            var iface = reader.ReadString();
            var changed = reader.ReadDictionaryOfStringToVariantValue();
            var invalidated = reader.ReadArrayOfString();
            var names = Update(p => p.Owner == sender, p => MprisProperties.Apply(p, iface, changed));
            // A player may say only that a value changed, not to what; and one that did not answer in
            // time is alive after all: ask it (again).
            var again = invalidated.Any(i => i is "Metadata" or "PlaybackStatus" or "Identity" or "DesktopEntry");
            foreach (var name in names)
                if (again || Players.Any(p => p.BusName == name && !p.Answered)) _ = Task.Run(() => FetchAsync(name, null));
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            _log.Debug($"media: PropertiesChanged ignored: {ex.Message}");
        }
        return true;
    }

    /// <summary>Changes the players that <paramref name="which"/> picks; raises <see cref="Changed"/> when what they show changed. Returns their names.</summary>
    private List<string> Update(Func<MprisPlayer, bool> which, Func<MprisPlayer, MprisPlayer> change)
    {
        var names = new List<string>();
        var changed = false;
        lock (_lock)
        {
            foreach (var (name, old) in _players.ToList())
            {
                if (!which(old)) continue;
                names.Add(name);
                var now = change(old);
                if (now.SameAs(old)) continue;
                _players[name] = now with { ChangedAt = _time.GetUtcNow() };
                changed = true;
            }
            if (changed) Publish();
        }
        if (changed) RaiseChanged();
        return names;
    }

    private void Remove(string name)
    {
        bool removed;
        lock (_lock)
        {
            removed = _players.Remove(name);
            if (removed) Publish();
        }
        if (removed) RaiseChanged();
    }

    private void SetUnavailable(string why)
    {
        _log.Info($"media: {why}; track and player are not recorded");
        Volatile.Write(ref _unavailable, why);
        bool hadPlayers;
        lock (_lock)
        {
            hadPlayers = _players.Count > 0;
            _players.Clear();
            Publish();
        }
        _ready.TrySetResult();
        // Only a loss is news: at start, with no bus, nothing changed.
        if (hadPlayers) RaiseChanged();
    }

    /// <summary>Makes the players readable without the lock; notes when the last one stopped playing. Called under the lock.</summary>
    private void Publish()
    {
        var wasPlaying = _snapshot.Any(p => p.IsPlaying);
        var players = _players.Values.ToArray();
        if (wasPlaying && !players.Any(p => p.IsPlaying)) _stoppedAt = _time.GetUtcNow();
        Volatile.Write(ref _snapshot, players);
    }

    private void RaiseChanged()
    {
        try
        {
            Changed?.Invoke();
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            _log.Warn($"media: a Changed handler failed: {ex.Message}");
        }
    }

    private static MessageBuffer Call(DBusConnection connection, string destination, string path, string iface, string member, string? signature = null, string? arg = null)
    {
        using var writer = connection.GetMessageWriter();
        writer.WriteMethodCallHeader(destination: destination, path: path, @interface: iface, member: member, signature: signature);
        if (arg is not null) writer.WriteString(arg);
        return writer.CreateMessage();
    }
}

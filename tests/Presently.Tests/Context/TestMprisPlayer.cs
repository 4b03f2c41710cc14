using Tmds.DBus.Protocol;

namespace Presently.Tests.Context;

/// <summary>
/// An MPRIS player played by the test on a bus: owns <c>org.mpris.MediaPlayer2.{name}</c>, answers
/// Properties.Get/GetAll for both MPRIS interfaces, and sends PropertiesChanged when the test changes
/// the track or pauses. It can also misbehave: send values of the wrong types, or never answer.
/// </summary>
public sealed class TestMprisPlayer : IPathMethodHandler, IAsyncDisposable
{
    public enum Behaviour
    {
        Normal,
        /// <summary>Identity is a number, the title a number, the artist a plain string; PlaybackStatus is right.</summary>
        WrongTypes,
        /// <summary>Owns its name but never replies to anything.</summary>
        Silent,
    }

    private const string PropertiesInterface = "org.freedesktop.DBus.Properties";
    private const string RootInterface = "org.mpris.MediaPlayer2";
    private const string PlayerInterface = "org.mpris.MediaPlayer2.Player";

    private readonly DBusConnection _connection;
    private Behaviour _behaviour;
    private readonly List<MethodContext> _unanswered = [];
    private readonly Lock _lock = new();
    private string _title;
    private string[] _artists;
    private string _status;

    private TestMprisPlayer(DBusConnection connection, string name, string identity, string title, string[] artists, string status, Behaviour behaviour)
    {
        _connection = connection;
        Name = name;
        Identity = identity;
        _title = title;
        _artists = artists;
        _status = status;
        _behaviour = behaviour;
    }

    public string Name { get; }

    public string Identity { get; }

    public string BusName => "org.mpris.MediaPlayer2." + Name;

    public string Path => "/org/mpris/MediaPlayer2";

    public bool HandlesChildPaths => false;

    /// <summary>How many method calls it left unanswered (Silent).</summary>
    public int Unanswered
    {
        get { lock (_lock) return _unanswered.Count; }
    }

    public static async Task<TestMprisPlayer> StartAsync(string address, string name, string identity, string title, string[] artists,
        string status = "Playing", Behaviour behaviour = Behaviour.Normal)
    {
        var connection = new DBusConnection(address);
        await connection.ConnectAsync();
        var player = new TestMprisPlayer(connection, name, identity, title, artists, status, behaviour);
        connection.AddMethodHandler(player);
        await connection.RequestNameAsync(player.BusName);
        return player;
    }

    /// <summary>A silent player that starts answering (what it left unanswered stays so).</summary>
    public void StartAnswering()
    {
        lock (_lock) _behaviour = Behaviour.Normal;
    }

    public void SetTrack(string title, params string[] artists)
    {
        lock (_lock)
        {
            _title = title;
            _artists = artists;
        }
        Emit(PlayerInterface, new() { ["Metadata"] = Metadata() });
    }

    public void SetStatus(string status)
    {
        lock (_lock) _status = status;
        Emit(PlayerInterface, new() { ["PlaybackStatus"] = status });
    }

    /// <summary>Sends a PropertiesChanged of the player interface with exactly these values (right or wrong).</summary>
    public void Emit(string iface, Dictionary<string, VariantValue> changed)
    {
        var writer = _connection.GetMessageWriter();
        writer.WriteSignalHeader(destination: null, path: Path, @interface: PropertiesInterface, member: "PropertiesChanged", signature: "sa{sv}as");
        writer.WriteString(iface);
        WriteProperties(ref writer, changed);
        writer.WriteArray(Array.Empty<string>());
        _connection.TrySendMessage(writer.CreateMessage());
        writer.Dispose();
    }

    public ValueTask HandleMethodAsync(MethodContext context)
    {
        var request = context.Request;
        bool silent;
        lock (_lock) silent = _behaviour == Behaviour.Silent;
        if (silent && !context.NoReplyExpected)
        {
            // Keep the call open, never reply: the caller must give up on its own.
            context.DisposesAsynchronously = true;
            lock (_lock) _unanswered.Add(context);
            return ValueTask.CompletedTask;
        }
        if (request.InterfaceAsString != PropertiesInterface)
        {
            // Play, Pause, Raise…: accepted, nothing happens.
            if (request.InterfaceAsString is RootInterface or PlayerInterface)
                context.Reply(context.CreateReplyWriter(null).CreateMessage());
            else
                context.ReplyUnknownMethodError();
            return ValueTask.CompletedTask;
        }
        var reader = request.GetBodyReader();
        var iface = reader.ReadString();
        var properties = Properties(iface);
        switch (request.MemberAsString)
        {
            case "GetAll":
            {
                var writer = context.CreateReplyWriter("a{sv}");
                WriteProperties(ref writer, properties);
                context.Reply(writer.CreateMessage());
                writer.Dispose();
                break;
            }
            case "Get" when properties.TryGetValue(reader.ReadString(), out var value):
            {
                using var writer = context.CreateReplyWriter("v");
                writer.WriteVariant(value);
                context.Reply(writer.CreateMessage());
                break;
            }
            default:
                context.ReplyError("org.freedesktop.DBus.Error.InvalidArgs", "no such property");
                break;
        }
        return ValueTask.CompletedTask;
    }

    private Dictionary<string, VariantValue> Properties(string iface)
    {
        lock (_lock)
        {
            return iface switch
            {
                RootInterface => new()
                {
                    ["Identity"] = _behaviour == Behaviour.WrongTypes ? VariantValue.Int32(7) : Identity,
                    ["DesktopEntry"] = Name,
                    ["CanQuit"] = false,
                    ["CanRaise"] = false,
                    ["HasTrackList"] = false,
                    ["SupportedUriSchemes"] = VariantValue.Array(Array.Empty<string>()),
                    ["SupportedMimeTypes"] = VariantValue.Array(Array.Empty<string>()),
                },
                PlayerInterface => new()
                {
                    ["PlaybackStatus"] = _status,
                    ["Metadata"] = Metadata(),
                    ["Rate"] = 1.0,
                    ["Volume"] = 1.0,
                    ["Position"] = VariantValue.Int64(0),
                    ["MinimumRate"] = 1.0,
                    ["MaximumRate"] = 1.0,
                    ["CanGoNext"] = false,
                    ["CanGoPrevious"] = false,
                    ["CanPlay"] = true,
                    ["CanPause"] = true,
                    ["CanSeek"] = false,
                    ["CanControl"] = true,
                },
                _ => [],
            };
        }
    }

    private VariantValue Metadata()
    {
        lock (_lock)
        {
            var metadata = new Dict<string, VariantValue> { ["mpris:trackid"] = VariantValue.ObjectPath("/org/presently/track/1") };
            if (_behaviour == Behaviour.WrongTypes)
            {
                metadata.Add("xesam:title", VariantValue.Int32(42));
                metadata.Add("xesam:artist", VariantValue.String(string.Join(", ", _artists)));
            }
            else
            {
                metadata.Add("xesam:title", VariantValue.String(_title));
                metadata.Add("xesam:artist", VariantValue.Array(_artists));
            }
            return metadata.AsVariantValue();
        }
    }

    // MessageWriter is a struct: it is passed by reference, or what the callee writes is lost to the caller.
    private static void WriteProperties(ref MessageWriter writer, Dictionary<string, VariantValue> properties)
    {
        var start = writer.WriteDictionaryStart();
        foreach (var (key, value) in properties)
        {
            writer.WriteDictionaryEntryStart();
            writer.WriteString(key);
            writer.WriteVariant(value);
        }
        writer.WriteDictionaryEnd(start);
    }

    public ValueTask DisposeAsync()
    {
        lock (_lock)
        {
            foreach (var c in _unanswered) c.Dispose();
            _unanswered.Clear();
        }
        _connection.Dispose();
        return ValueTask.CompletedTask;
    }
}

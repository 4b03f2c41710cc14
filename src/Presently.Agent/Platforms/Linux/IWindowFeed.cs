using System.Net.Sockets;

namespace Presently.Agent.Platforms.Linux;

/// <summary>
/// A compositor's stream of focus changes over a Unix socket (sway/i3 IPC, Hyprland's event
/// socket). <see cref="WindowFeedSensor"/> owns the waiting, reconnecting and heartbeat; a feed
/// only connects and turns bytes into the focused window.
/// </summary>
internal interface IWindowFeed : IDisposable
{
    /// <summary>Short name: the sensor's name and Hello tag.</summary>
    string Name { get; }

    /// <summary>Where the feed connects, for messages.</summary>
    string Endpoint { get; }

    /// <summary>
    /// Connects (dropping any earlier connection) and returns the socket to wait on. The focused
    /// window at that moment arrives through <see cref="Read"/> or is returned in <paramref name="initial"/>.
    /// Throws <see cref="SocketException"/>, <see cref="IOException"/> or <see cref="InvalidDataException"/>.
    /// </summary>
    Socket Connect(out WindowInfo? initial);

    /// <summary>
    /// Reads what the socket has (it is readable) and returns the focused window when it may have
    /// changed, null otherwise. Throws <see cref="IOException"/> when the compositor closed the
    /// connection and <see cref="InvalidDataException"/> when it sent something it should not have.
    /// </summary>
    WindowInfo? Read();
}

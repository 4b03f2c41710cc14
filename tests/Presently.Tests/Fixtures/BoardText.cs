using System.Net.WebSockets;
using System.Text;

namespace Presently.Tests.Fixtures;

/// <summary>Reads one text message of the board WebSocket.</summary>
public static class BoardText
{
    public static async Task<string> ReceiveAsync(WebSocket socket, TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(10));
        var buffer = new byte[1024 * 1024];
        var count = 0;
        WebSocketReceiveResult r;
        do
        {
            r = await socket.ReceiveAsync(new ArraySegment<byte>(buffer, count, buffer.Length - count), cts.Token);
            count += r.Count;
        } while (!r.EndOfMessage);
        return Encoding.UTF8.GetString(buffer, 0, count);
    }
}

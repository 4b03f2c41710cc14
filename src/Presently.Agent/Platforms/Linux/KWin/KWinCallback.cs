using Tmds.DBus.Protocol;

namespace Presently.Agent.Platforms.Linux.KWin;

/// <summary>
/// The object the KWin script calls: <c>ActiveWindow(s resourceClass, s caption, s pid)</c>
/// (an integer pid, any width, is accepted too). Only KWin may call it; anything else, or other
/// types, is answered with an error and counted, never delivered.
/// </summary>
internal sealed class KWinCallback(Func<string?> allowedSender, Action<string, string, int> onWindow, Action<string> onRejected) : IPathMethodHandler
{
    public string Path => KWinScript.CallbackPath;

    public bool HandlesChildPaths => false;

    public ValueTask HandleMethodAsync(MethodContext context)
    {
        var request = context.Request;
        if (request.MemberAsString != KWinScript.CallbackMethod || (request.InterfaceIsSet && request.InterfaceAsString != KWinScript.CallbackInterface))
        {
            context.ReplyUnknownMethodError();
            return ValueTask.CompletedTask;
        }
        var sender = request.SenderAsString;
        if (allowedSender() is not { } kwin || sender != kwin)
        {
            Reject(context, "org.freedesktop.DBus.Error.AccessDenied", $"a call from {sender}, which is not KWin");
            return ValueTask.CompletedTask;
        }
        if (!TryRead(request, out var resourceClass, out var caption, out var pid))
        {
            Reject(context, "org.freedesktop.DBus.Error.InvalidArgs", $"a call with arguments of type '{request.SignatureAsString}' (expected 'sss' or 'ssi')");
            return ValueTask.CompletedTask;
        }
        onWindow(resourceClass, caption, pid);
        if (!context.NoReplyExpected)
        {
            using var writer = context.CreateReplyWriter(null);
            context.Reply(writer.CreateMessage());
        }
        return ValueTask.CompletedTask;
    }

    private void Reject(MethodContext context, string error, string what)
    {
        onRejected(what);
        if (!context.NoReplyExpected) context.ReplyError(error, $"presently-agent ignored {what}");
    }

    internal static bool TryRead(Message request, out string resourceClass, out string caption, out int pid)
    {
        (resourceClass, caption, pid) = ("", "", 0);
        var signature = request.SignatureAsString;
        if (signature.Length != 3 || !signature.StartsWith("ss", StringComparison.Ordinal)) return false;
        var reader = request.GetBodyReader();
        resourceClass = reader.ReadString();
        caption = reader.ReadString();
        long value;
        switch (signature[2])
        {
            case 's':
                if (!long.TryParse(reader.ReadString(), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out value)) return false;
                break;
            case 'i': value = reader.ReadInt32(); break;
            case 'u': value = reader.ReadUInt32(); break;
            case 'x': value = reader.ReadInt64(); break;
            case 'd':
                var d = reader.ReadDouble();
                if (!double.IsFinite(d)) return false;
                value = (long)d;
                break;
            default: return false;
        }
        // Linux pids fit in 22 bits; anything else is no pid.
        pid = value is > 0 and <= int.MaxValue ? (int)value : 0;
        return true;
    }
}

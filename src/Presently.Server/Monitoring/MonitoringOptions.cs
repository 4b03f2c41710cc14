using System.Net;

namespace Presently.Server.Monitoring;

/// <summary>
/// Who may read <c>/metrics</c> and <c>/readyz</c> (section <c>Presently:Monitoring</c>). Admins signed
/// in always may; otherwise only requests from the networks listed here, such as the Prometheus host
/// or the load balancer. None by default: what a server measures says how busy its people are.
/// </summary>
public sealed class MonitoringOptions
{
    public const string Section = "Presently:Monitoring";

    /// <summary>Addresses or networks in CIDR form: <c>127.0.0.1</c>, <c>10.0.0.0/8</c>, <c>::1</c>.</summary>
    public List<string> AllowedNetworks { get; set; } = [];

    /// <summary>The networks parsed; a value that is not an address or network is a start-up error.</summary>
    public IReadOnlyList<IPNetwork> Networks() => [.. AllowedNetworks.Select(Parse)];

    /// <summary>What is wrong with the setting, in one line; null when it will do.</summary>
    public string? Problem()
    {
        foreach (var value in AllowedNetworks)
            if (!TryParse(value, out _)) return $"Presently:Monitoring:AllowedNetworks: \"{value}\" is not an address or a network such as 10.0.0.0/8";
        return null;
    }

    private static IPNetwork Parse(string value) => TryParse(value, out var network) ? network : throw new FormatException(value);

    private static bool TryParse(string value, out IPNetwork network)
    {
        value = value.Trim();
        if (IPAddress.TryParse(value, out var address))
        {
            network = new IPNetwork(address, address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128);
            return true;
        }
        return IPNetwork.TryParse(value, out network);
    }
}

using System.Diagnostics.CodeAnalysis;
using System.Net;
using Sentinel.Probes.Checks;

namespace Sentinel.Probes.Protocols.Dns;

/// <summary>A server to ask: as written in the check (<c>host[:port]</c>), and where it is.</summary>
/// <param name="Name">As written, e.g. <c>ns1.example.com</c> or <c>192.0.2.53:5353</c>.</param>
/// <param name="Host">The host name in ASCII form, or the address text.</param>
/// <param name="Port">The port, 53 unless written.</param>
/// <param name="Address">The address when the host is an IP literal; null for a name, resolved at each run.</param>
internal sealed record DnsServer(string Name, string Host, int Port, IPAddress? Address)
{
    /// <summary>A server at a known address, named by it.</summary>
    public static DnsServer At(IPEndPoint endPoint) => new(endPoint.ToString(), endPoint.Address.ToString(), endPoint.Port, endPoint.Address);

    /// <summary>Where the server is, when the check gave an address.</summary>
    public IPEndPoint? EndPoint => Address is null ? null : new IPEndPoint(Address, Port);

    /// <summary>
    /// A server as written: <c>host[:port]</c>, port 53 by default, the host an IP address (<c>[IPv6]:port</c>)
    /// or a name, which is resolved with the system resolver at each run, as blackbox_exporter and dig do.
    /// </summary>
    public static bool TryParse(string text, [NotNullWhen(true)] out DnsServer? server, out string error)
    {
        server = null;
        if (!HostPort.TryParse(text, 53, out var hostPort, out error))
        {
            return false;
        }

        server = new DnsServer(text, hostPort.Host, hostPort.Port, hostPort.Address);
        return true;
    }
}

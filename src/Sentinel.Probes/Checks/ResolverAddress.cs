using System.Net;

namespace Sentinel.Probes.Checks;

/// <summary>A check's <c>resolver</c>: a DNS server's IP address with an optional port.</summary>
internal static class ResolverAddress
{
    /// <summary>The port of a resolver written without one: 53, DNS's.</summary>
    public const int DefaultPort = 53;

    /// <summary>Parses a resolver as written in a check: an IP address with an optional port (default 53).</summary>
    public static bool TryParse(string text, out IPEndPoint endpoint, out string error)
    {
        endpoint = null!;
        if (!HostPort.TryParse(text, DefaultPort, out var hostPort, out error))
        {
            return false;
        }

        if (hostPort.Address is null)
        {
            error = $"expected an IP address with an optional port, such as 127.0.0.1:5353 or [::1]:53, got \"{text}\"";
            return false;
        }

        endpoint = new IPEndPoint(hostPort.Address, hostPort.Port);
        return true;
    }
}

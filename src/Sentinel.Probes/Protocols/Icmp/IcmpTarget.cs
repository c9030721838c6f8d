using System.Net;
using System.Net.Sockets;
using Sentinel.Probes.Checks;

namespace Sentinel.Probes.Protocols.Icmp;

/// <summary>
/// The target of an <c>icmp</c> or <c>path</c> check: a host name or an IP address, without a port (ICMP has
/// none). IPv6 addresses may be written bare (<c>2001:db8::1</c>) or bracketed.
/// </summary>
internal static class IcmpTarget
{
    /// <summary>Parses the target; the port of the result is 0 (unused).</summary>
    public static bool TryParse(string? text, out HostPort target, out string error)
    {
        target = null!;
        if (string.IsNullOrWhiteSpace(text))
        {
            error = "expected a host name or an IP address, got an empty string";
            return false;
        }

        var bare = text.StartsWith('[') && text.EndsWith(']') ? text[1..^1] : text;
        if (IPAddress.TryParse(bare, out var address)
            && (address.AddressFamily == AddressFamily.InterNetworkV6 || bare.Count(c => c == '.') == 3))
        {
            target = new HostPort(address.ToString(), 0, address);
            error = string.Empty;
            return true;
        }

        if (text.Contains("://", StringComparison.Ordinal))
        {
            error = $"expected a host name or an IP address, not a URL, got \"{text}\"";
            return false;
        }

        if (text.Contains(':', StringComparison.Ordinal))
        {
            error = $"expected a host name or an IP address without a port (ICMP has no ports), got \"{text}\"";
            return false;
        }

        if (!HostPort.TryNormaliseHostName(text, out var ascii, out error))
        {
            return false;
        }

        target = new HostPort(ascii, 0, null);
        return true;
    }

    /// <summary>The target validator of the check types that take a host.</summary>
    public static string? Validate(string text) => TryParse(text, out _, out var error) ? null : error;
}

using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Net;

namespace Sentinel.Probes.Checks;

/// <summary>
/// A <c>host:port</c> target: a DNS name, an IPv4 address or a bracketed IPv6 address (<c>[::1]:443</c>),
/// and a port. Internationalised names are kept in their ASCII (IDNA) form, which is what goes on the wire.
/// </summary>
/// <param name="Host">The host name in ASCII form, or the address text without brackets.</param>
/// <param name="Port">The port, 1–65535.</param>
/// <param name="Address">The address when the host is an IP literal.</param>
public sealed record HostPort(string Host, int Port, IPAddress? Address)
{
    private static readonly IdnMapping Idn = new() { AllowUnassigned = false, UseStd3AsciiRules = false };

    /// <summary>Parses <c>host:port</c>; <paramref name="defaultPort"/> applies when the port is omitted and is positive.</summary>
    public static bool TryParse(string? text, int defaultPort, [NotNullWhen(true)] out HostPort? result, out string error)
    {
        result = null;
        if (string.IsNullOrWhiteSpace(text))
        {
            error = "expected host:port, got an empty string";
            return false;
        }

        string host;
        string? portText = null;
        if (text.StartsWith('['))
        {
            var close = text.IndexOf(']', StringComparison.Ordinal);
            if (close < 0)
            {
                error = $"expected [IPv6]:port, got \"{text}\" (no closing bracket)";
                return false;
            }

            host = text[1..close];
            var rest = text[(close + 1)..];
            if (rest.Length > 0)
            {
                if (!rest.StartsWith(':'))
                {
                    error = $"expected [IPv6]:port, got \"{text}\"";
                    return false;
                }

                portText = rest[1..];
            }

            if (!IPAddress.TryParse(host, out var v6) || v6.AddressFamily != System.Net.Sockets.AddressFamily.InterNetworkV6)
            {
                error = $"\"{host}\" in brackets is not an IPv6 address";
                return false;
            }
        }
        else
        {
            var colon = text.LastIndexOf(':');
            if (colon >= 0 && text.IndexOf(':', StringComparison.Ordinal) != colon)
            {
                error = "an IPv6 address needs brackets around it, as in [2001:db8::1]:443";
                return false;
            }

            host = colon >= 0 ? text[..colon] : text;
            portText = colon >= 0 ? text[(colon + 1)..] : null;
        }

        int port;
        if (portText is null)
        {
            if (defaultPort <= 0)
            {
                error = $"expected host:port, got \"{text}\" (no port)";
                return false;
            }

            port = defaultPort;
        }
        else if (!int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out port) || port is < 1 or > 65535)
        {
            error = $"port must be a number from 1 to 65535, got \"{portText}\"";
            return false;
        }

        if (IPAddress.TryParse(host, out var address) && (address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 || host.Count(c => c == '.') == 3))
        {
            result = new HostPort(address.ToString(), port, address);
            error = string.Empty;
            return true;
        }

        if (!TryNormaliseHostName(host, out var ascii, out error))
        {
            return false;
        }

        result = new HostPort(ascii, port, null);
        return true;
    }

    /// <summary>
    /// Checks a DNS host name and converts it to its ASCII form: labels of letters, digits, hyphens and
    /// underscores, 1–63 characters each, 253 in all (RFC 1123, with IDNA for non-ASCII names).
    /// </summary>
    public static bool TryNormaliseHostName(string host, [NotNullWhen(true)] out string? ascii, out string error)
    {
        ascii = null;
        var name = host.EndsWith('.') ? host[..^1] : host;
        if (name.Length == 0)
        {
            error = "the host name is empty";
            return false;
        }

        try
        {
            name = Idn.GetAscii(name).ToLowerInvariant();
        }
        catch (ArgumentException)
        {
            error = $"\"{host}\" is not a valid host name";
            return false;
        }

        if (name.Length > 253)
        {
            error = $"the host name is longer than 253 characters ({name.Length})";
            return false;
        }

        foreach (var label in name.Split('.'))
        {
            if (label.Length is 0 or > 63 || label.StartsWith('-') || label.EndsWith('-') ||
                !label.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
            {
                error = $"\"{host}\" is not a valid host name (label \"{label}\")";
                return false;
            }
        }

        ascii = name;
        error = string.Empty;
        return true;
    }

    /// <summary>The target as <c>host:port</c>, bracketing IPv6 addresses.</summary>
    public override string ToString() =>
        Address?.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{Host}]:{Port}" : $"{Host}:{Port}";
}

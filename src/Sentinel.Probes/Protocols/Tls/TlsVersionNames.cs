using System.Security.Authentication;

namespace Sentinel.Probes.Protocols.Tls;

/// <summary>Names of TLS versions as results show them: <c>TLS 1.2</c>, the form blackbox_exporter's version label uses.</summary>
internal static class TlsVersionNames
{
    /// <summary>The name of a negotiated version.</summary>
    public static string Of(SslProtocols protocol) => (int)protocol switch
    {
        0x3000 => "TLS 1.3",
        0x0C00 => "TLS 1.2",
        0x0300 => "TLS 1.1",
        0x00C0 => "TLS 1.0",
        0x0030 => "SSL 3.0",
        _ => protocol.ToString(),
    };

    /// <summary>The name of a wire version (ProtocolVersion, RFC 8446 4.1.2).</summary>
    public static string OfWire(ushort version) => version switch
    {
        0x0304 => "TLS 1.3",
        0x0303 => "TLS 1.2",
        0x0302 => "TLS 1.1",
        0x0301 => "TLS 1.0",
        0x0300 => "SSL 3.0",
        _ => $"0x{version:x4}",
    };
}

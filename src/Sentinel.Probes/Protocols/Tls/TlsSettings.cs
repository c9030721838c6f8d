using Sentinel.Probes.Checks;

namespace Sentinel.Probes.Protocols.Tls;

/// <summary>
/// The TLS client settings every check that makes TLS connections shares (the <c>tls</c> section, and the
/// <c>tls</c> object inside an <c>http</c> section): which name to ask for and check, which CAs to trust, which
/// client certificate to present, and how early to warn before a certificate expires.
/// </summary>
internal sealed record TlsSettings
{
    /// <summary>The default expiry warning threshold: 14 days.</summary>
    public static readonly TimeSpan DefaultExpiryThreshold = TimeSpan.FromDays(14);

    /// <summary>The largest expiry warning threshold accepted: 365 days.</summary>
    public static readonly TimeSpan MaxExpiryThreshold = TimeSpan.FromDays(365);

    /// <summary>The settings of a check that sets none.</summary>
    public static readonly TlsSettings Default = new();

    /// <summary>
    /// The name sent as SNI and checked against the certificate; null means the target's host (no SNI for an IP
    /// address, whose certificate is then checked for an IP SAN).
    /// </summary>
    public string? ServerName { get; init; }

    /// <summary>
    /// A PEM (or DER) file of CA certificates to trust instead of the system trust store, as curl's --cacert:
    /// self-signed certificates in it are trust anchors, the others intermediates that may complete a chain.
    /// Relative paths are relative to Sentinel's working directory.
    /// </summary>
    public string? CaFile { get; init; }

    /// <summary>A PEM certificate (optionally followed by its chain) presented when the server asks for one (mTLS).</summary>
    public string? ClientCertificate { get; init; }

    /// <summary>The PEM private key of <see cref="ClientCertificate"/>; null when that file holds the key too.</summary>
    public string? ClientKey { get; init; }

    /// <summary>Certificates expiring sooner than this make the result degraded (<c>tls_expiring</c>). Default 14 days.</summary>
    public TimeSpan ExpiryThreshold { get; init; } = DefaultExpiryThreshold;

    /// <summary>The member names <see cref="ReadMembers"/> reads, for sections that embed these settings.</summary>
    public static IReadOnlyList<string> MemberNames { get; } = ["serverName", "caFile", "clientCertificate", "clientKey", "expiryThreshold"];

    /// <summary>
    /// Reads the shared members from <paramref name="reader"/> (the caller completes the object). Errors are
    /// recorded with their paths, and make the whole check invalid, so the value returned then does not matter.
    /// </summary>
    public static TlsSettings ReadMembers(JsonObjectReader reader)
    {
        var serverName = reader.String("serverName", maxLength: 253);
        if (serverName is not null)
        {
            if (System.Net.IPAddress.TryParse(serverName, out _))
            {
                // RFC 6066, 3: "Literal IPv4 and IPv6 addresses are not permitted in HostName".
                reader.Error("serverName", $"must be a DNS name, not an IP address (SNI cannot carry one), got \"{serverName}\"; leave it out for an IP target");
            }
            else if (!HostPort.TryNormaliseHostName(serverName, out var ascii, out var error))
            {
                reader.Error("serverName", error);
            }
            else
            {
                serverName = ascii;
            }
        }

        var caFile = reader.String("caFile", maxLength: 4096);
        var certificate = reader.String("clientCertificate", maxLength: 4096);
        var key = reader.String("clientKey", maxLength: 4096);
        if (key is not null && certificate is null && !reader.Has("clientCertificate"))
        {
            reader.Error("clientKey", "is set but clientCertificate is not; set both, or only clientCertificate when its file holds the key too");
        }

        return new TlsSettings
        {
            ServerName = serverName,
            CaFile = caFile,
            ClientCertificate = certificate,
            ClientKey = key,
            ExpiryThreshold = reader.Duration("expiryThreshold", TimeSpan.Zero, MaxExpiryThreshold) ?? DefaultExpiryThreshold,
        };
    }

    /// <summary>The host name a handshake with <paramref name="target"/> expects: the server name, else the target's host.</summary>
    public string ExpectedHost(HostPort target) => ServerName ?? target.Host;
}

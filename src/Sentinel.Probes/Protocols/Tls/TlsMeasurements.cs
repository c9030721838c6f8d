namespace Sentinel.Probes.Protocols.Tls;

/// <summary>
/// The measurements of a TLS handshake and its certificates, under the same names in every type that makes one
/// (<c>tls</c>, and <c>http</c> and <c>headers</c> for https targets), so that one assertion fits them all.
/// <see cref="TlsInspector"/> produces all but <see cref="HandshakeMs"/>, which the caller takes from its <c>tls</c> phase.
/// </summary>
internal static class TlsMeasurements
{
    /// <summary>The negotiated version, as text (<c>"TLS 1.3"</c>).</summary>
    public const string Version = "tls.version";

    /// <summary>The negotiated cipher suite, its IANA name.</summary>
    public const string Cipher = "tls.cipher";

    /// <summary>The handshake, the same number as the <c>tls</c> phase (summed over an https check's redirects).</summary>
    public const string HandshakeMs = "tls.handshake_ms";

    /// <summary>Days until the leaf expires, negative once it has.</summary>
    public const string CertDaysLeft = "cert.days_left";

    /// <summary>Days until the earliest-expiring certificate of the chain as built expires.</summary>
    public const string CertChainDaysLeft = "cert.chain_days_left";
}

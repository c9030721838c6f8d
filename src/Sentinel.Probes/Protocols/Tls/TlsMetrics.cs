using Sentinel.Probes.Probing;

namespace Sentinel.Probes.Protocols.Tls;

/// <summary>
/// The TLS series of every type that inspects a handshake (<c>tls</c>, and <c>http</c> for https targets),
/// named as blackbox_exporter names them so its dashboards and alerts work unchanged. Types declare these same
/// instances in their <see cref="ProbeType.Metrics"/>, so that each series is registered once.
/// Unlike blackbox_exporter, they are exported also when verification fails.
/// </summary>
internal static class TlsMetrics
{
    /// <summary>Earliest notAfter of the certificates the server sent, Unix seconds (a timestamp: no unit suffix, as blackbox).</summary>
    public static readonly MetricDescriptor EarliestCertExpiry = new(
        "probe_ssl_earliest_cert_expiry", "Earliest expiry (Unix time) of the certificates the server sent.");

    /// <summary>Earliest notAfter in the chain as built up to its root, Unix seconds.</summary>
    public static readonly MetricDescriptor LastChainExpiry = new(
        "probe_ssl_last_chain_expiry_timestamp_seconds", "Earliest expiry (Unix time) of the chain as built from the server's certificate to its root, also when it does not validate.", "s");

    /// <summary>The leaf certificate's identity; always 1. Subject and issuer in Go's form (<see cref="GoDistinguishedName"/>).</summary>
    public static readonly MetricDescriptor LastChainInfo = new(
        "probe_ssl_last_chain_info", "The server's leaf certificate; the value is always 1.", null,
        "fingerprint_sha256", "subject", "issuer", "subjectalternative", "serialnumber");

    /// <summary>The negotiated version; always 1.</summary>
    public static readonly MetricDescriptor TlsVersionInfo = new(
        "probe_tls_version_info", "The negotiated TLS version; the value is always 1.", null, "version");

    /// <summary>The negotiated cipher suite by its IANA name, as Go's tls.CipherSuiteName gives it; always 1.</summary>
    public static readonly MetricDescriptor CipherInfo = new(
        "probe_tls_cipher_info", "The negotiated TLS cipher suite (IANA name); the value is always 1.", null, "cipher");

    /// <summary>
    /// The expiry of each certificate of the chain, Unix seconds: a timestamp in the base unit, so the value stays put
    /// between runs and days left are <c>(x - time()) / 86400</c> at query time.
    /// </summary>
    public static readonly MetricDescriptor CertExpiry = new(
        "sentinel_tls_cert_expiry_timestamp_seconds", "When each certificate of the chain as built expires (Unix time; position: leaf, intermediate_N, root).", "s", "position");

    /// <summary>Every TLS series, for a type's <see cref="ProbeType.Metrics"/>.</summary>
    public static IReadOnlyList<MetricDescriptor> All { get; } = [EarliestCertExpiry, LastChainExpiry, LastChainInfo, TlsVersionInfo, CipherInfo, CertExpiry];
}

using Sentinel.Probes.Probing;
using Sentinel.Probes.Protocols.Tls;

namespace Sentinel.Probes.Protocols.Http;

/// <summary>The measurements of an HTTP exchange, shared by the http and headers types (an audit step adds its own).</summary>
internal static class HttpMeasurements
{
    /// <summary>The final response's status code.</summary>
    public const string StatusCode = "http.status_code";

    /// <summary>The final response's protocol version, a number written as the protocol is named (1.0, 1.1, 2).</summary>
    public const string Version = "http.version";

    /// <summary>The redirects followed.</summary>
    public const string Redirects = "http.redirects";

    /// <summary>The final body's bytes once decoded.</summary>
    public const string BodyBytes = "http.body_bytes";

    /// <summary>The final body's bytes as transferred.</summary>
    public const string BodyWireBytes = "http.body_wire_bytes";

    /// <summary>The addresses that passed, with an <c>addresses</c> policy.</summary>
    public const string AddressesUp = "http.addresses_up";

    /// <summary>The addresses probed, with an <c>addresses</c> policy.</summary>
    public const string AddressesProbed = "http.addresses_probed";

    /// <summary>The exchange's phases, blackbox_exporter's, summed over the redirects followed; total is curl's time_total.</summary>
    public static readonly DurationMeasurements Durations = DurationMeasurements.Listed(
        "http", PhaseNames.Resolve, PhaseNames.Connect, PhaseNames.Tls, PhaseNames.Processing, PhaseNames.Transfer);

    /// <summary>Every measurement an exchange produces, for assertions, in the order error messages list them.</summary>
    public static IReadOnlyList<string> All { get; } =
    [
        StatusCode, Version, Redirects, BodyBytes, BodyWireBytes, .. Durations.Declared, AddressesUp, AddressesProbed,
        TlsMeasurements.CertDaysLeft, TlsMeasurements.CertChainDaysLeft, TlsMeasurements.Version, TlsMeasurements.Cipher, TlsMeasurements.HandshakeMs,
    ];
}

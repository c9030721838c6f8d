namespace Sentinel.Probes.Probing;

/// <summary>
/// The names of the phases a result times (<see cref="PhaseTiming.Name"/>), each written once: they are also the
/// <c>phase</c> label of the <c>probe_*_duration_seconds</c> series, the keys of <c>phasesMs</c> in the result's
/// JSON, and the <c>{phase}</c> of the <c>{prefix}.duration.{phase}_ms</c> measurements assertions name
/// (<see cref="DurationMeasurements"/>). blackbox_exporter's names wherever it has the phase.
/// </summary>
public static class PhaseNames
{
    /// <summary>Resolving the target's host name (for dns checks, the DNS server's name).</summary>
    public const string Resolve = "resolve";

    /// <summary>The TCP handshake: SYN sent → SYN-ACK received (through a proxy, the tunnel to the target too).</summary>
    public const string Connect = "connect";

    /// <summary>A tls check's STARTTLS exchange before the handshake (SMTP, IMAP, POP3, PostgreSQL).</summary>
    public const string StartTls = "starttls";

    /// <summary>The TLS handshake: ClientHello → handshake complete, the platform's chain verification included.</summary>
    public const string Tls = "tls";

    /// <summary>An HTTP exchange's request sent → first response byte.</summary>
    public const string Processing = "processing";

    /// <summary>An HTTP exchange's first response byte → last byte of the body.</summary>
    public const string Transfer = "transfer";

    /// <summary>A dns check's query: sent → answer parsed (a TCP fallback's exchange included).</summary>
    public const string Lookup = "lookup";

    /// <summary>
    /// The DNS exchange as blackbox_exporter's <c>probe_dns_duration_seconds</c> labels it; the result times the same
    /// span as <see cref="Lookup"/>.
    /// </summary>
    public const string Request = "request";

    /// <summary>Opening the raw ICMP socket of an icmp or path run.</summary>
    public const string Setup = "setup";

    /// <summary>An icmp run's average round trip.</summary>
    public const string Rtt = "rtt";

    /// <summary>A path run's cycles of probes, hop by hop.</summary>
    public const string Trace = "trace";
}

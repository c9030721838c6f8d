using Sentinel.Probes.Probing;

namespace Sentinel.Probes.Protocols.Http;

/// <summary>The series of an http check, named as blackbox_exporter's http prober names them.</summary>
internal static class HttpMetrics
{
    public static readonly MetricDescriptor StatusCode = new(
        "probe_http_status_code", "Status code of the final response (after redirects).");

    public static readonly MetricDescriptor Duration = new(
        "probe_http_duration_seconds", "Duration of each phase of the request (resolve, connect, tls, processing, transfer), summed over redirects.", "s", "phase");

    // Bytes, but without the unit: the exporter would append "_bytes" to a "By" unit, and these names must stay
    // blackbox_exporter's so that its dashboards work unchanged. Its value is blackbox's too: Go's
    // Response.ContentLength, the Content-Length header, -1 when unknown (chunked, or no header).
    public static readonly MetricDescriptor ContentLength = new(
        "probe_http_content_length", "Length of http content response: the final response's Content-Length header, or -1 when it has none (chunked).");

    /// <summary>What the content length would be if every response declared one: the body bytes actually received.</summary>
    public static readonly MetricDescriptor BodyWireBytes = new(
        "sentinel_http_body_wire_bytes", "Bytes of the final response's body as transferred (after chunked framing, before content decoding).", "By");

    public static readonly MetricDescriptor UncompressedBodyLength = new(
        "probe_http_uncompressed_body_length", "Length in bytes of the final response's body once decoded (gzip, deflate, br).");

    public static readonly MetricDescriptor Redirects = new(
        "probe_http_redirects", "Number of redirects followed.");

    public static readonly MetricDescriptor Ssl = new(
        "probe_http_ssl", "Whether the final response came over TLS (1) or not (0).");

    public static readonly MetricDescriptor Version = new(
        "probe_http_version", "HTTP version of the final response (1.0, 1.1, 2, 3).");

    public static readonly MetricDescriptor LastModified = new(
        "probe_http_last_modified_timestamp_seconds", "The final response's Last-Modified header (Unix time), when it has one that parses.", "s");

    /// <summary>As blackbox_exporter: 1 when a body or header pattern failed the check, 0 otherwise (also when the check has none).</summary>
    public static readonly MetricDescriptor FailedDueToRegex = new(
        "probe_failed_due_to_regex", "Whether the check failed because a body or header pattern (bodyMatches, headerMatches, ...) did not hold (1) or not (0).");

    /// <summary>Per address of the target's name (policy any, all, quorum): 1 when that address passed.</summary>
    public static readonly MetricDescriptor AddressUp = new(
        "sentinel_http_address_up", "Whether the exchange with each address of the target passed (1) or not (0); ip_index is the address's position in the resolver's answer (at most 8).", null, "ip_index", "ip_family");

    /// <summary>Per address: how long its exchange took.</summary>
    public static readonly MetricDescriptor AddressDuration = new(
        "sentinel_http_address_duration_seconds", "How long the exchange with each address of the target took.", "s", "ip_index", "ip_family");

    public static IReadOnlyList<MetricDescriptor> All { get; } =
        [StatusCode, Duration, ContentLength, BodyWireBytes, UncompressedBodyLength, Redirects, Ssl, Version, LastModified, FailedDueToRegex, AddressUp, AddressDuration];

    /// <summary>blackbox_exporter's phases of probe_http_duration_seconds, each written (0 when it did not happen) whatever the run reached.</summary>
    public static IReadOnlyList<string> Phases { get; } = [PhaseNames.Resolve, PhaseNames.Connect, PhaseNames.Tls, PhaseNames.Processing, PhaseNames.Transfer];
}

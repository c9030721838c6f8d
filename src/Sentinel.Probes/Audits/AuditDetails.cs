using System.Text.Json;
using Sentinel.Probes.Probing;

namespace Sentinel.Probes.Audits;

/// <summary>
/// What a header audit did: every request it looked at (the check's own hops and its own requests) with the
/// response's status and headers (cookie values redacted), and the posture it compared with. Part of the http
/// details (member <c>audit</c>) of http checks with an audit and of headers checks.
/// </summary>
internal sealed class AuditDetails : ProbeDetails
{
    private readonly List<AuditExchange> _exchanges = [];

    public IReadOnlyList<AuditExchange> Exchanges => _exchanges;

    /// <summary>The posture of this run, when one was taken.</summary>
    public AuditPosture? Posture { get; set; }

    /// <summary>When and by whom the posture compared with was stored, or null (first run, or not compared).</summary>
    public string? ComparedWith { get; set; }

    /// <summary>Why the audit stopped early (a request of its own failed), or null.</summary>
    public string? Incomplete { get; set; }

    public void Add(AuditExchange exchange) => _exchanges.Add(exchange);

    public override void WriteJson(Utf8JsonWriter writer)
    {
        writer.WriteStartObject();
        writer.WriteStartArray("exchanges");
        foreach (var exchange in _exchanges)
        {
            writer.WriteStartObject();
            writer.WriteString("purpose", exchange.Request.Purpose);
            writer.WriteString("method", exchange.Request.Method);
            writer.WriteString("url", exchange.Request.Url.ToString());
            WriteHeaders(writer, "requestHeaders", exchange.Request.Headers);
            if (exchange.Response is { } response)
            {
                writer.WriteNumber("status", response.Status);
                WriteHeaders(writer, "responseHeaders", response.Headers.Select(h =>
                    h.Key.Equals("Set-Cookie", StringComparison.OrdinalIgnoreCase) ? new KeyValuePair<string, string>(h.Key, AuditEvidence.RedactCookie(h.Value)) : h).ToList());
            }
            else
            {
                writer.WriteString("failure", exchange.Failure?.Category);
            }

            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        if (Posture is not null)
        {
            writer.WritePropertyName("posture");
            JsonSerializer.Serialize(writer, Posture, AuditPostureJsonContext.Default.AuditPosture);
        }

        writer.WriteString("comparedWith", ComparedWith);
        writer.WriteString("incomplete", Incomplete);
        writer.WriteEndObject();
    }

    public override void WriteReport(TextWriter writer)
    {
        writer.WriteLine($"  audit       {_exchanges.Count} response{(_exchanges.Count == 1 ? "" : "s")} judged{(ComparedWith is null ? "" : $"; posture compared with {ComparedWith}")}");
        foreach (var exchange in _exchanges)
        {
            var origin = exchange.Request.Header("Origin") is { } o ? $" Origin: {o}" : "";
            var preflight = exchange.Request.Header("Access-Control-Request-Method") is { } m ? $" ({m} preflight)" : "";
            var answer = exchange.Response is { } r ? r.StatusLine : $"no response ({exchange.Failure?.Category})";
            writer.WriteLine($"    {exchange.Request.Method} {exchange.Request.Url}{origin}{preflight} -> {answer}");
        }

        if (Incomplete is not null)
        {
            writer.WriteLine($"    incomplete: {Incomplete}");
        }
    }

    private static void WriteHeaders(Utf8JsonWriter writer, string name, IReadOnlyList<KeyValuePair<string, string>> headers)
    {
        writer.WriteStartArray(name);
        foreach (var (key, value) in headers)
        {
            writer.WriteStartArray();
            writer.WriteStringValue(key);
            writer.WriteStringValue(AuditEvidence.Clean(value));
            writer.WriteEndArray();
        }

        writer.WriteEndArray();
    }
}

using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Sentinel.Probes.Probing;
using Sentinel.Probes.Protocols.Http;

namespace Sentinel.Probes.Audits;

/// <summary>
/// What a header audit did: every request it looked at (the check's own hops and its own requests) with the
/// response's status and headers (cookie values redacted), and the posture it compared with. Part of the http
/// details (member <c>audit</c>) of http checks with an audit and of headers checks.
/// </summary>
internal sealed class AuditDetails : ProbeDetails
{
    private readonly List<AuditExchange> _exchanges = [];

    /// <summary>Every request judged, as JSON shows it.</summary>
    [JsonPropertyName("exchanges")]
    public IEnumerable<AuditExchangeJson> ExchangesJson => _exchanges.Select(e => new AuditExchangeJson(e));

    [JsonIgnore]
    public IReadOnlyList<AuditExchange> Exchanges => _exchanges;

    /// <summary>The posture of this run, when one was taken.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public AuditPosture? Posture { get; set; }

    /// <summary>When and by whom the posture compared with was stored, or null (first run, or not compared).</summary>
    public string? ComparedWith { get; set; }

    /// <summary>What got weaker than the baseline, one phrase each (empty when nothing did, or nothing was compared).</summary>
    [JsonIgnore]
    public IReadOnlyList<string> Regressions { get; set; } = [];

    /// <summary>The baseline posture compared with, in a line (<see cref="AuditPosture.Describe"/>), or null when nothing was compared.</summary>
    [JsonIgnore]
    public string? BaselineDescribed { get; set; }

    /// <summary>Why the audit stopped early (a request of its own failed), or null.</summary>
    public string? Incomplete { get; set; }

    internal override JsonTypeInfo JsonTypeInfo => AuditJsonContext.Default.AuditDetails;

    public void Add(AuditExchange exchange) => _exchanges.Add(exchange);

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
}

/// <summary>
/// One request of an audit and what came back, in JSON: header values cleaned of control characters, cookie values
/// redacted; the status and response headers, or the failure's category when no response came.
/// </summary>
internal sealed class AuditExchangeJson
{
    private readonly AuditExchange _exchange;

    internal AuditExchangeJson(AuditExchange exchange) => _exchange = exchange;

    public string Purpose => _exchange.Request.Purpose;

    public string Method => _exchange.Request.Method;

    public string Url => _exchange.Request.Url.ToString();

    [JsonConverter(typeof(HeaderPairsJsonConverter))]
    public IReadOnlyList<KeyValuePair<string, string>> RequestHeaders => Cleaned(_exchange.Request.Headers);

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? Status => _exchange.Response?.Status;

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    [JsonConverter(typeof(HeaderPairsJsonConverter))]
    public IReadOnlyList<KeyValuePair<string, string>>? ResponseHeaders => _exchange.Response is { } response
        ? Cleaned(response.Headers.Select(h => h.Key.Equals("Set-Cookie", StringComparison.OrdinalIgnoreCase) ? new KeyValuePair<string, string>(h.Key, AuditEvidence.RedactCookie(h.Value)) : h))
        : null;

    /// <summary>The failure's category when no response came (null when none was classified); absent with a response.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public ApplicableText Failure => _exchange.Response is null ? new(_exchange.Failure?.Category) : default;

    private static List<KeyValuePair<string, string>> Cleaned(IEnumerable<KeyValuePair<string, string>> headers) =>
        headers.Select(h => new KeyValuePair<string, string>(h.Key, AuditEvidence.Clean(h.Value))).ToList();
}

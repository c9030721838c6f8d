using System.Net;
using System.Text.Json;
using System.Text.Json.Serialization;
using Sentinel.Probes.Probing;

namespace Sentinel.Probes.Protocols.Http;

/// <summary>One address an http check probed, in its details' JSON (member <c>probed</c>).</summary>
internal sealed class HttpProbedJson
{
    private readonly HttpAddressOutcome _outcome;
    private readonly bool _up;

    internal HttpProbedJson(HttpAddressOutcome outcome, bool up) => (_outcome, _up) = (outcome, up);

    public int Index => _outcome.Index;

    public IPAddress Address => _outcome.Address;

    /// <summary><c>ipv4</c> or <c>ipv6</c>.</summary>
    public string Family => _outcome.Family;

    public bool Up => _up;

    [JsonConverter(typeof(MillisecondsJsonConverter))]
    public TimeSpan DurationMs => _outcome.Duration;

    /// <summary>The category of the first error of the exchange or its certificate, or null.</summary>
    public string? Failure => FailureOf(_outcome);

    public IEnumerable<HttpHopJson> Hops => _outcome.Exchange.Hops.Select(h => new HttpHopJson(h));

    /// <summary>The category of the first error of <paramref name="outcome"/>'s exchange or certificate inspection, or null.</summary>
    public static string? FailureOf(HttpAddressOutcome outcome) =>
        outcome.Exchange.Problems.Concat(outcome.Inspection?.Problems ?? []).FirstOrDefault(p => p.Severity == ProblemSeverity.Error)?.Category;
}

/// <summary>One request and its response in an http check's details' JSON (member <c>hops</c> of an address).</summary>
internal sealed class HttpHopJson
{
    private readonly HttpHop _hop;

    internal HttpHopJson(HttpHop hop) => _hop = hop;

    public string Url => _hop.Url.ToString();

    public string Method => _hop.Method;

    public bool NewConnection => _hop.NewConnection;

    public IPEndPoint? Remote => _hop.Remote;

    public IPEndPoint? Local => _hop.Local;

    [JsonConverter(typeof(PhasesJsonConverter))]
    public IReadOnlyList<PhaseTiming> PhasesMs => _hop.Phases;

    /// <summary>The status code; absent, as <see cref="Reason"/> and <see cref="Version"/>, when no response came.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? Status => _hop.Status;

    /// <summary>The reason phrase, null when the response had none.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public ApplicableText Reason => _hop.Status is null ? default : new(_hop.Reason);

    /// <summary>The HTTP version of the response (<c>1.1</c>, <c>2</c>).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Version => _hop.Status is null ? null : HttpDetails.VersionText(_hop.Version);

    public string? Location => _hop.Location;

    public string? ContentEncoding => _hop.ContentEncoding;

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? ContentLength => _hop.ContentLength;

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? WireBytes => _hop.WireBytes;

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? DecodedBytes => _hop.DecodedBytes;

    [JsonConverter(typeof(HeaderPairsJsonConverter))]
    public IReadOnlyList<KeyValuePair<string, string>> RequestHeaders => _hop.RequestHeaders;

    public IReadOnlyList<string> WithheldHeaders => _hop.WithheldHeaders;

    public bool CertificateRejected => _hop.CertificateRejection is not null;

    [JsonConverter(typeof(HeaderPairsJsonConverter))]
    public IReadOnlyList<KeyValuePair<string, string>> ResponseHeaders => _hop.ResponseHeaders;
}

/// <summary>
/// Header fields as pairs in their order, <c>[["Host", "example.com"], ["Accept", "*/*"]]</c>: a field may repeat,
/// so they are no JSON object.
/// </summary>
internal sealed class HeaderPairsJsonConverter : WriteOnlyJsonConverter<IReadOnlyList<KeyValuePair<string, string>>>
{
    public override void Write(Utf8JsonWriter writer, IReadOnlyList<KeyValuePair<string, string>> value, JsonSerializerOptions options)
    {
        writer.WriteStartArray();
        foreach (var (name, text) in value)
        {
            writer.WriteStartArray();
            writer.WriteStringValue(name);
            writer.WriteStringValue(text);
            writer.WriteEndArray();
        }

        writer.WriteEndArray();
    }
}

using System.Globalization;
using System.Net;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Sentinel.Probes.Probing;
using Sentinel.Probes.Protocols.Tls;

namespace Sentinel.Probes.Protocols.Http;

/// <summary>
/// What an http check saw: the addresses and their outcomes, each hop's request and response (headers with
/// secrets redacted), the negotiated protocol, and the certificate inspection. The readable report reads like
/// <c>curl -v</c>: what was connected to, the request lines (&gt;) and the response lines (&lt;) of interest.
/// </summary>
internal sealed class HttpDetails : TargetDetails
{
    private static readonly string[] HeadersOfInterest =
        ["Content-Type", "Content-Length", "Content-Encoding", "Transfer-Encoding", "Location", "Server", "Cache-Control", "Strict-Transport-Security"];

    private readonly HttpSection _section;

    internal HttpDetails(string resolver, HttpSection section)
        : base(resolver, []) => _section = section;

    /// <summary>The <c>addresses</c> policy: <c>first</c>, <c>any</c>, <c>all</c> or <c>quorum:N</c>.</summary>
    public string Policy => _section.Addresses.ToString();

    /// <summary>How the addresses' outcomes combined, when more than one was probed.</summary>
    public string? Verdict { get; set; }

    /// <summary>The proxy's authority (<c>host:port</c>), or null.</summary>
    public string? Proxy => _section.Proxy?.Authority;

    /// <summary>Each address probed, with its hops.</summary>
    public IEnumerable<HttpProbedJson> Probed => Outcomes.Select((o, i) => new HttpProbedJson(o, Up[i]));

    /// <summary>The TLS inspection of the address the result describes; absent without one.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    [JsonConverter(typeof(EmbeddedDetailsJsonConverter<TlsInspectionDetails>))]
    public TlsInspectionDetails? Tls => Outcomes.Count > 0 ? Outcomes[Representative].Inspection?.Details : null;

    /// <summary>What the header audit did, when the check has one and it ran.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    [JsonConverter(typeof(EmbeddedDetailsJsonConverter<ProbeDetails>))]
    public ProbeDetails? Audit { get; set; }

    [JsonIgnore]
    public IReadOnlyList<HttpAddressOutcome> Outcomes { get; set; } = [];

    [JsonIgnore]
    public IReadOnlyList<bool> Up { get; set; } = [];

    /// <summary>The outcome the result describes.</summary>
    [JsonIgnore]
    public int Representative { get; set; }

    internal override JsonTypeInfo JsonTypeInfo => HttpJsonContext.Default.HttpDetails;

    public override void WriteReport(TextWriter writer)
    {
        base.WriteReport(writer);
        if (_section.Proxy is { } proxy)
        {
            var how = HttpForwardProxy.For(_section) is null ? "CONNECT tunnel" : "http forwarded, https through a CONNECT tunnel";
            writer.WriteLine($"  proxy       {proxy.Authority} ({how})");
        }

        if (Outcomes.Count > 1)
        {
            writer.WriteLine($"  policy      {_section.Addresses}: {Verdict}");
            for (var i = 0; i < Outcomes.Count; i++)
            {
                var o = Outcomes[i];
                var failure = HttpProbedJson.FailureOf(o);
                writer.WriteLine($"  address {i + 1,-3} {o.Address,-15} {(Up[i] ? "UP" : "DOWN"),-5} {Ms(o.Duration)}{(failure is null ? "" : $"  {failure}")}");
            }
        }

        if (Outcomes.Count == 0)
        {
            return;
        }

        var shown = Outcomes[Representative];
        if (Outcomes.Count > 1)
        {
            writer.WriteLine($"  details of address {Representative + 1} ({shown.Address}):");
        }

        var hops = shown.Exchange.Hops;
        for (var i = 0; i < hops.Count; i++)
        {
            WriteHop(writer, hops[i], hops.Count > 1 ? i + 1 : 0);
        }

        shown.Inspection?.Details.WriteReport(writer);
        Audit?.WriteReport(writer);
    }

    private void WriteHop(TextWriter writer, HttpHop hop, int number)
    {
        if (number > 0)
        {
            var phases = string.Join(", ", hop.Phases.Select(p => $"{p.Name} {Ms(p.Duration)}"));
            writer.WriteLine($"  hop {number}       {hop.Method} {hop.Url}{(phases.Length > 0 ? $" ({phases})" : "")}");
        }

        if (hop.Remote is not null)
        {
            writer.WriteLine($"  connected   {hop.Local} -> {hop.Remote}{(_section.Proxy is null ? "" : " (the proxy)")}");
        }
        else if (!hop.NewConnection && hop.Status is not null)
        {
            writer.WriteLine("  connection  reused");
        }

        writer.WriteLine($"  > {hop.Method} {hop.Url.PathAndQuery} HTTP/{(hop.Version is { Major: >= 2 } sent ? HttpVersionText.Of(sent) : "1.1")}");
        foreach (var (name, value) in hop.RequestHeaders)
        {
            writer.WriteLine($"  > {name}: {value}");
        }

        if (hop.WithheldHeaders.Count > 0)
        {
            writer.WriteLine($"  > ({string.Join(", ", hop.WithheldHeaders)} withheld: another origin than the check's URL)");
        }

        if (hop.CertificateRejection is not null)
        {
            writer.WriteLine("  > (not sent: the certificate failed verification; insecure sends it and reports the failure as a warning)");
        }

        if (hop.Status is not { } status)
        {
            return;
        }

        writer.WriteLine($"  < HTTP/{VersionText(hop.Version)} {status} {hop.Reason}".TrimEnd());
        var interesting = HeadersOfInterest.Concat(_section.HeaderMatches.Select(h => h.Name)).Concat(_section.HeaderNotMatches.Select(h => h.Name));
        foreach (var (name, value) in hop.ResponseHeaders.Where(h => interesting.Contains(h.Key, StringComparer.OrdinalIgnoreCase)))
        {
            writer.WriteLine($"  < {name}: {value}");
        }

        if (hop.WireBytes is { } wire)
        {
            var decoded = hop.DecodedBytes is { } d && (d != wire || hop.ContentEncoding is not null) ? $", {d} decoded from {hop.ContentEncoding}" : "";
            writer.WriteLine($"  body        {wire} bytes on the wire{decoded}");
        }
    }

    internal static string VersionText(Version? version) => version is null ? "?" : HttpVersionText.Of(version);

    private static string Ms(TimeSpan duration) => duration.TotalMilliseconds.ToString("0.000", CultureInfo.InvariantCulture) + " ms";
}

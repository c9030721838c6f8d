using System.Globalization;
using System.Net;
using System.Text.Json;
using Sentinel.Probes.Probing;

namespace Sentinel.Probes.Protocols.Http;

/// <summary>
/// What an http check saw: the addresses and their outcomes, each hop's request and response (headers with
/// secrets redacted), the negotiated protocol, and the certificate inspection. The readable report reads like
/// <c>curl -v</c>: what was connected to, the request lines (&gt;) and the response lines (&lt;) of interest.
/// </summary>
internal sealed class HttpDetails(string resolver, HttpSection section) : ProbeDetails
{
    private static readonly string[] HeadersOfInterest =
        ["Content-Type", "Content-Length", "Content-Encoding", "Transfer-Encoding", "Location", "Server", "Cache-Control", "Strict-Transport-Security"];

    public IReadOnlyList<IPAddress> Addresses { get; set; } = [];

    public IReadOnlyList<HttpAddressOutcome> Outcomes { get; set; } = [];

    public IReadOnlyList<bool> Up { get; set; } = [];

    public int Representative { get; set; }

    public string? Verdict { get; set; }

    /// <summary>What the header audit did, when the check has one and it ran.</summary>
    public ProbeDetails? Audit { get; set; }

    public override void WriteJson(Utf8JsonWriter writer)
    {
        writer.WriteStartObject();
        writer.WriteString("resolver", resolver);
        writer.WriteStartArray("addresses");
        foreach (var address in Addresses)
        {
            writer.WriteStringValue(address.ToString());
        }

        writer.WriteEndArray();
        writer.WriteString("policy", section.Addresses.ToString());
        writer.WriteString("verdict", Verdict);
        writer.WriteString("proxy", section.Proxy?.Authority);
        writer.WriteStartArray("probed");
        for (var i = 0; i < Outcomes.Count; i++)
        {
            WriteOutcome(writer, Outcomes[i], Up[i]);
        }

        writer.WriteEndArray();
        if (Outcomes.Count > 0 && Outcomes[Representative].Inspection is { } inspection)
        {
            writer.WritePropertyName("tls");
            inspection.Details.WriteJson(writer);
        }

        if (Audit is not null)
        {
            writer.WritePropertyName("audit");
            Audit.WriteJson(writer);
        }

        writer.WriteEndObject();
    }

    public override void WriteReport(TextWriter writer)
    {
        writer.WriteLine($"  resolver    {resolver}");
        if (Addresses.Count > 0)
        {
            writer.WriteLine($"  addresses   {string.Join(", ", Addresses)}");
        }

        if (section.Proxy is { } proxy)
        {
            var how = HttpForwardProxy.For(section) is null ? "CONNECT tunnel" : "http forwarded, https through a CONNECT tunnel";
            writer.WriteLine($"  proxy       {proxy.Authority} ({how})");
        }

        if (Outcomes.Count > 1)
        {
            writer.WriteLine($"  policy      {section.Addresses}: {Verdict}");
            for (var i = 0; i < Outcomes.Count; i++)
            {
                var o = Outcomes[i];
                var failure = o.Exchange.Problems.Concat(o.Inspection?.Problems ?? []).FirstOrDefault(p => p.Severity == ProblemSeverity.Error);
                writer.WriteLine($"  address {i + 1,-3} {o.Address,-15} {(Up[i] ? "UP" : "DOWN"),-5} {Ms(o.Duration)}{(failure is null ? "" : $"  {failure.Category}")}");
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
            writer.WriteLine($"  connected   {hop.Local} -> {hop.Remote}{(section.Proxy is null ? "" : " (the proxy)")}");
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
        var interesting = HeadersOfInterest.Concat(section.HeaderMatches.Select(h => h.Name)).Concat(section.HeaderNotMatches.Select(h => h.Name));
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

    private static void WriteOutcome(Utf8JsonWriter writer, HttpAddressOutcome outcome, bool up)
    {
        writer.WriteStartObject();
        writer.WriteNumber("index", outcome.Index);
        writer.WriteString("address", outcome.Address.ToString());
        writer.WriteString("family", outcome.Family);
        writer.WriteBoolean("up", up);
        writer.WriteNumber("durationMs", Math.Round(outcome.Duration.TotalMilliseconds, 3));
        writer.WriteString("failure", outcome.Exchange.Problems.Concat(outcome.Inspection?.Problems ?? []).FirstOrDefault(p => p.Severity == ProblemSeverity.Error)?.Category);
        writer.WriteStartArray("hops");
        foreach (var hop in outcome.Exchange.Hops)
        {
            WriteHop(writer, hop);
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    private static void WriteHop(Utf8JsonWriter writer, HttpHop hop)
    {
        writer.WriteStartObject();
        writer.WriteString("url", hop.Url.ToString());
        writer.WriteString("method", hop.Method);
        writer.WriteBoolean("newConnection", hop.NewConnection);
        writer.WriteString("remote", hop.Remote?.ToString());
        writer.WriteString("local", hop.Local?.ToString());
        writer.WriteStartObject("phasesMs");
        foreach (var phase in hop.Phases)
        {
            writer.WriteNumber(phase.Name, Math.Round(phase.Duration.TotalMilliseconds, 3));
        }

        writer.WriteEndObject();
        if (hop.Status is { } status)
        {
            writer.WriteNumber("status", status);
            writer.WriteString("reason", hop.Reason);
            writer.WriteString("version", VersionText(hop.Version));
        }

        writer.WriteString("location", hop.Location);
        writer.WriteString("contentEncoding", hop.ContentEncoding);
        if (hop.ContentLength is { } length)
        {
            writer.WriteNumber("contentLength", length);
        }

        if (hop.WireBytes is { } wire)
        {
            writer.WriteNumber("wireBytes", wire);
        }

        if (hop.DecodedBytes is { } decoded)
        {
            writer.WriteNumber("decodedBytes", decoded);
        }

        WriteHeaders(writer, "requestHeaders", hop.RequestHeaders);
        writer.WriteStartArray("withheldHeaders");
        foreach (var name in hop.WithheldHeaders)
        {
            writer.WriteStringValue(name);
        }

        writer.WriteEndArray();
        writer.WriteBoolean("certificateRejected", hop.CertificateRejection is not null);
        WriteHeaders(writer, "responseHeaders", hop.ResponseHeaders);
        writer.WriteEndObject();
    }

    private static void WriteHeaders(Utf8JsonWriter writer, string name, IReadOnlyList<KeyValuePair<string, string>> headers)
    {
        writer.WriteStartArray(name);
        foreach (var (key, value) in headers)
        {
            writer.WriteStartArray();
            writer.WriteStringValue(key);
            writer.WriteStringValue(value);
            writer.WriteEndArray();
        }

        writer.WriteEndArray();
    }

    private static string VersionText(Version? version) => version is null ? "?" : HttpVersionText.Of(version);

    private static string Ms(TimeSpan duration) => duration.TotalMilliseconds.ToString("0.000", CultureInfo.InvariantCulture) + " ms";
}

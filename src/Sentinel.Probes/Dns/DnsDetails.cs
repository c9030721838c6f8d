using System.Globalization;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using DnsClient;
using Sentinel.Probes.Probing;
using Sentinel.Probes.Protocols.Dns;

namespace Sentinel.Probes.Dns;

/// <summary>
/// What a DNS probe saw: per server, how it asked, the header, each section with TTLs, the time and the size,
/// shown in the readable report much as dig shows it; and the drift baseline compared with.
/// </summary>
internal sealed class DnsDetails : ProbeDetails
{
    private readonly DnsSection _section;

    internal DnsDetails(DnsQuery query, DnsSection section, IReadOnlyList<DnsServerAnswer> servers, DnsDriftOutcome? drift) =>
        (Query, _section, Servers, Drift) = (query, section, servers, drift);

    [JsonIgnore]
    public DnsQuery Query { get; }

    [JsonIgnore]
    public IReadOnlyList<DnsServerAnswer> Servers { get; }

    [JsonIgnore]
    public DnsDriftOutcome? Drift { get; }

    /// <summary>The question, as JSON shows it.</summary>
    [JsonPropertyName("query")]
    public DnsQueryJson QueryJson => new(Query, _section);

    /// <summary>Every server asked, in order, as JSON shows them.</summary>
    [JsonPropertyName("servers")]
    public IEnumerable<DnsServerJson> ServersJson => Asked.Select(a => new DnsServerJson(a.Server, a.FailedOver));

    /// <summary>The baseline compared with (or taken now), as JSON shows it; absent without one.</summary>
    [JsonPropertyName("baseline")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public DnsBaselineJson? BaselineJson => Drift is { Baseline: { } baseline } drift ? new(drift, baseline) : null;

    /// <summary>The same details with another drift outcome.</summary>
    public DnsDetails With(DnsDriftOutcome outcome) => new(Query, _section, Servers, outcome);

    internal override JsonTypeInfo JsonTypeInfo => DnsJsonContext.Default.DnsDetails;

    public override void WriteReport(TextWriter writer)
    {
        writer.WriteLine($"  question    {Query.Name}\tIN\t{DnsVocabulary.Name(Query.Type)}");
        foreach (var (server, failedOver) in Asked)
        {
            writer.WriteLine($"  server      {server.Shown} over {server.Transport}{(server.Truncated ? " (the UDP answer was truncated)" : string.Empty)}" +
                $", {Ms(server.Elapsed)}" + (server.Response is { } r ? $", {r.MessageSize} bytes" : string.Empty));
            if (server.Server.Address is null)
            {
                writer.WriteLine($"  resolved    {server.Server.Host} in {Ms(server.ResolveElapsed)} (system resolver, first address)");
            }

            if (server.Response is not { } response)
            {
                writer.WriteLine($"  no answer   {server.Failure?.Message}");
                continue;
            }

            if (failedOver)
            {
                writer.WriteLine($"  failover    {DnsVocabulary.Name(response.Header.ResponseCode)} is no usable answer; the next resolver in resolv.conf was asked");
            }

            // The counts are the header's, as dig prints them: ADDITIONAL includes the OPT pseudo-record, which
            // the edns line shows (dig's OPT PSEUDOSECTION) and the additional section and measurements leave out.
            var header = response.Header;
            writer.WriteLine($"  header      {DnsVocabulary.Name(header.ResponseCode)}, flags: {string.Join(' ', Flags(header))}; " +
                $"ANSWER: {header.AnswerCount}, AUTHORITY: {header.NameServerCount}, ADDITIONAL: {header.AdditionalCount}");
            if (server.Edns is { } edns)
            {
                writer.WriteLine($"  edns        version: {edns.Version}, flags:{(edns.IsDnsSecOk ? " do" : string.Empty)}; udp: {(ushort)edns.UdpSize}");
            }

            Section(writer, "answer", server.Answers);
            Section(writer, "authority", server.Authority);
            Section(writer, "additional", server.Additional);
        }

        if (Drift?.Baseline is { } baseline)
        {
            var when = Drift.Since?.ToUniversalTime().ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture);
            writer.WriteLine($"  baseline    {(Drift.TakenNow ? "taken now" : $"since {when}")} by {Drift.By}: {baseline.Answers.Count} record(s)");
            if (Drift.Carried)
            {
                writer.WriteLine($"  drift       not compared in this run (no server answered validly); last known: {(Drift.Drifted == true ? "drifted" : "matching")}");
            }
        }
    }

    /// <summary>Every server asked, in order: the system resolvers that failed over before the one that answered, then it.</summary>
    private IEnumerable<(DnsServerAnswer Server, bool FailedOver)> Asked =>
        Servers.SelectMany(s => s.FailedOver.Select(f => (f, true)).Append((s, false)));

    /// <summary>The header flags as dig lists them.</summary>
    public static IEnumerable<string> Flags(DnsResponseHeader header)
    {
        yield return "qr";
        if (header.HasAuthorityAnswer)
        {
            yield return "aa";
        }

        if (header.ResultTruncated)
        {
            yield return "tc";
        }

        if (header.RecursionDesired)
        {
            yield return "rd";
        }

        if (header.RecursionAvailable)
        {
            yield return "ra";
        }

        if (header.IsAuthenticData)
        {
            yield return "ad";
        }

        if (header.IsCheckingDisabled)
        {
            yield return "cd";
        }
    }

    private static void Section(TextWriter writer, string name, IReadOnlyList<DnsRecordView> records)
    {
        for (var i = 0; i < records.Count; i++)
        {
            writer.WriteLine($"  {(i == 0 ? name : string.Empty),-11} {records[i].Presentation}");
        }
    }

    private static string Ms(TimeSpan duration) =>
        duration.TotalMilliseconds.ToString("0.000", CultureInfo.InvariantCulture) + " ms";
}

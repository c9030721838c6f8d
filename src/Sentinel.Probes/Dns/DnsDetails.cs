using System.Globalization;
using System.Text.Json;
using DnsClient;
using Sentinel.Probes.Probing;
using Sentinel.Probes.Protocols.Dns;

namespace Sentinel.Probes.Dns;

/// <summary>
/// What a DNS probe saw: per server, how it asked, the header, each section with TTLs, the time and the size,
/// shown in the readable report much as dig shows it; and the drift baseline compared with.
/// </summary>
internal sealed class DnsDetails(DnsQuery query, DnsSection section, IReadOnlyList<DnsServerAnswer> servers, DnsDriftOutcome? drift) : ProbeDetails
{
    public DnsQuery Query { get; } = query;

    public IReadOnlyList<DnsServerAnswer> Servers { get; } = servers;

    public DnsDriftOutcome? Drift { get; } = drift;

    /// <summary>The same details with another drift outcome.</summary>
    public DnsDetails With(DnsDriftOutcome outcome) => new(Query, section, Servers, outcome);

    public override void WriteJson(Utf8JsonWriter writer)
    {
        writer.WriteStartObject();
        writer.WriteStartObject("query");
        writer.WriteString("name", Query.Name);
        writer.WriteString("type", DnsVocabulary.Name(Query.Type));
        writer.WriteString("class", "IN");
        writer.WriteBoolean("recursionDesired", section.Recursion);
        writer.WriteNumber("ednsBufferSize", section.EdnsBufferSize);
        writer.WriteEndObject();
        writer.WriteStartArray("servers");
        foreach (var (server, failedOver) in Asked)
        {
            writer.WriteStartObject();
            writer.WriteString("server", server.Server.Name);
            if (server.EndPoint is { } endPoint)
            {
                writer.WriteString("address", endPoint.ToString());
            }

            if (server.Server.Address is null)
            {
                writer.WriteNumber("resolveMs", Math.Round(server.ResolveElapsed.TotalMilliseconds, 3));
            }

            if (failedOver)
            {
                // A system resolver that gave no usable answer; the next one in resolv.conf was asked.
                writer.WriteBoolean("failedOver", true);
            }

            writer.WriteString("transport", server.Transport);
            writer.WriteBoolean("truncated", server.Truncated);
            writer.WriteNumber("lookupMs", Math.Round(server.Elapsed.TotalMilliseconds, 3));
            if (server.Response is { } response)
            {
                writer.WriteString("rcode", DnsVocabulary.Name(response.Header.ResponseCode));
                writer.WriteStartArray("flags");
                foreach (var flag in Flags(response.Header))
                {
                    writer.WriteStringValue(flag);
                }

                writer.WriteEndArray();
                writer.WriteNumber("messageSize", response.MessageSize);
                if (server.Edns is { } edns)
                {
                    writer.WriteStartObject("edns");
                    writer.WriteNumber("version", edns.Version);
                    writer.WriteBoolean("dnssecOk", edns.IsDnsSecOk);
                    writer.WriteNumber("udpSize", (ushort)edns.UdpSize);
                    writer.WriteEndObject();
                }

                Records(writer, "answer", server.Answers);
                Records(writer, "authority", server.Authority);
                Records(writer, "additional", server.Additional);
            }

            writer.WriteString("error", server.Failure?.Message);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        if (Drift?.Baseline is { } baseline)
        {
            writer.WriteStartObject("baseline");
            writer.WriteStartArray("answers");
            foreach (var answer in baseline.Answers)
            {
                writer.WriteStringValue(answer);
            }

            writer.WriteEndArray();
            if (Drift.Since is { } since)
            {
                writer.WriteString("since", since);
            }

            writer.WriteString("by", Drift.By);
            writer.WriteBoolean("takenNow", Drift.TakenNow);
            if (Drift.Drifted is { } drifted)
            {
                writer.WriteBoolean("drifted", drifted);
            }

            writer.WriteBoolean("carried", Drift.Carried);
            writer.WriteEndObject();
        }

        writer.WriteEndObject();
    }

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

    private static void Records(Utf8JsonWriter writer, string name, IReadOnlyList<DnsRecordView> records)
    {
        writer.WriteStartArray(name);
        foreach (var record in records)
        {
            writer.WriteStartObject();
            writer.WriteString("name", record.Name);
            writer.WriteNumber("ttl", record.Ttl);
            writer.WriteString("type", record.Type);
            writer.WriteString("data", record.Data);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
    }

    private static string Ms(TimeSpan duration) =>
        duration.TotalMilliseconds.ToString("0.000", CultureInfo.InvariantCulture) + " ms";
}

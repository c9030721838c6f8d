using DnsClient.Protocol;
using Sentinel.Probes.Checks;
using Sentinel.Probes.Probing;

namespace Sentinel.Probes.Dns;

/// <summary>
/// <c>type: "dns"</c>: asks one or more DNS servers (default: the system's) for the target name and record type
/// with DnsClient, all at once, and holds each answer against the check: rcode, expected records, regular
/// expressions, minimum TTL; then whether the servers agree and whether the answer drifted from its baseline.
/// The measurements and blackbox_exporter's series describe the first server; the details show every server.
/// </summary>
internal sealed class DnsProbe : IProbe, IWarmUp
{
    public static readonly MetricDescriptor AnswerRrs = new("probe_dns_answer_rrs", "Records in the answer section of the first server's response.");

    public static readonly MetricDescriptor AuthorityRrs = new("probe_dns_authority_rrs", "Records in the authority section of the first server's response.");

    public static readonly MetricDescriptor AdditionalRrs = new("probe_dns_additional_rrs", "Records in the additional section of the first server's response (without the EDNS0 OPT record).");

    public static readonly MetricDescriptor Serial = new("probe_dns_serial", "The SOA serial in the first server's answer, for SOA queries.");

    public static readonly MetricDescriptor QuerySucceeded = new("probe_dns_query_succeeded", "Whether the first server answered at all (1) or not (0), whatever its rcode.");

    public static readonly MetricDescriptor Drifted = new("sentinel_dns_drift", "1 while the check's answer differs from its accepted baseline, 0 when it matches; only for checks with drift detection.");

    public static ProbeType Type { get; } = new()
    {
        Name = "dns",
        Summary = "Asks DNS servers for a name and record type; checks rcode, records and TTLs, agreement between servers and drift from a baseline.",
        Probe = new DnsProbe(),
        ReadSection = DnsSection.Read,
        ValidateTarget = DnsQuery.ValidateTarget,
        ValidateCheck = (check, path) => ValidateCheck(check.Target, check.Section!, JsonPath.Member(path, "dns")),
        ResolvesTargetHost = false,
        Measurements = ["dns.rcode", "dns.answer_count", "dns.authority_count", "dns.additional_count", "dns.lookup_ms", "dns.ttl_min", "dns.answers", "dns.serial"],
        Metrics = [TargetResolution.LookupTime, AnswerRrs, AuthorityRrs, AdditionalRrs, Serial, QuerySucceeded, Drifted],
    };

    public async ValueTask<ProbeResult> RunAsync(CheckDefinition check, ProbeContext context, CancellationToken cancellationToken)
    {
        var section = check.SectionAs<DnsSection>() ?? DnsSection.Default;
        var query = DnsQuery.For(check.Target, section);
        var result = new ProbeResultBuilder(check);
        var servers = section.Servers ?? SystemNameServers.Read();
        if (servers.Count == 0)
        {
            result.Fail(Layers.Probe, FailureCategories.ProbeError, $"this node has no DNS server to ask for {query}: {SystemNameServers.DefaultPath} lists no nameserver",
                "list the servers in the check's dns.servers, or fix this node's resolver configuration");
            return result.Build();
        }

        var answers = await Task.WhenAll(servers.Select(s => DnsExchange.QueryAsync(s, query, section, check, context, cancellationToken))).ConfigureAwait(false);

        // The servers are asked at once, so the lookup took as long as the slowest of them.
        result.Phase("lookup", answers.Max(a => a.Elapsed));

        var expectations = new DnsExpectations(section, query);
        var valid = new List<DnsServerAnswer>();
        foreach (var answer in answers)
        {
            if (answer.Failure is { } failure)
            {
                result.Problem(failure);
            }
            else if (expectations.CheckRcode(answer, result))
            {
                expectations.CheckRecords(answer, result);
                valid.Add(answer);
            }
        }

        if (section.Agree)
        {
            CheckAgreement(query, answers, result);
        }

        DnsDriftOutcome? drift = null;
        if (section.Drift == DnsDriftMode.Baseline && valid.Count > 0 && valid.Count == answers.Length)
        {
            drift = await DnsDrift.EvaluateAsync(check, query, valid, context, result, cancellationToken).ConfigureAwait(false);
        }

        Measure(answers[0], drift, result);
        result.Details = new DnsDetails(query, section, answers, drift);
        return result.Build();
    }

    public async ValueTask WarmUpAsync(ProbeContext context, Func<CheckDefinition, Task> run, CancellationToken cancellationToken)
    {
        // Exercise DnsClient and this probe over UDP and TCP against a loopback responder, in rounds, so that a
        // one-shot run times the server and not JIT compilation (a cold first query costs tens of milliseconds).
        var responder = new DnsWarmUp();
        await using var _ = responder.ConfigureAwait(false);
        foreach (var transport in Enumerable.Repeat(new[] { DnsTransport.Udp, DnsTransport.Tcp }, 3).SelectMany(t => t))
        {
            var check = new CheckDefinition
            {
                Id = "warm-up",
                Name = "warm-up",
                Type = "dns",
                Target = "warm-up.invalid",
                Timeout = TimeSpan.FromSeconds(2),
                Section = new DnsSection { Servers = [new DnsServer(responder.EndPoint.ToString(), responder.EndPoint)], Transport = transport },
            };
            await run(check).ConfigureAwait(false);
        }
    }

    /// <summary>Rules that span target and section: the record type of a reverse lookup, and expected records read with the queried type.</summary>
    private static IEnumerable<(string Path, string Message)> ValidateCheck(string target, CheckSection section, string path)
    {
        if (section is not DnsSection dns)
        {
            yield break;
        }

        if (DnsQuery.TypeFor(target, dns.RecordType, out var error) is not { } type)
        {
            yield return (JsonPath.Member(path, "recordType"), error!);
            yield break;
        }

        foreach (var entry in dns.ExpectedEntries)
        {
            if (!DnsExpectedRecord.TryParse(entry.Text, DnsVocabulary.Name(type), out _, out var invalid))
            {
                yield return (entry.Path, invalid);
            }
        }
    }

    /// <summary>With <c>"agree": true</c>, every server that answered must have given the same rcode and answer set.</summary>
    private static void CheckAgreement(DnsQuery query, IReadOnlyList<DnsServerAnswer> answers, ProbeResultBuilder result)
    {
        var answered = answers.Where(a => a.Response is not null).ToList();
        var groups = answered.GroupBy(a => DnsVocabulary.Name(a.Rcode!.Value) + "\n" + string.Join('\n', a.NormalisedAnswers)).ToList();
        if (groups.Count < 2)
        {
            return;
        }

        var said = groups.Select(g => $"{string.Join(" and ", g.Select(a => a.Server.Name))} answered {DnsVocabulary.Name(g.First().Rcode!.Value)} " +
            DnsExpectations.List(g.First().NormalisedAnswers));
        result.Fail(Layers.Dns, FailureCategories.DnsDisagreement,
            $"the servers disagree on {query}: {string.Join("; ", said)}",
            "compare the servers' SOA serials and views: a lagging secondary, an unfinished change or a split-horizon view is the usual cause");
    }

    /// <summary>Measurements and blackbox_exporter's series, from the first server; what does not apply is absent.</summary>
    private static void Measure(DnsServerAnswer first, DnsDriftOutcome? drift, ProbeResultBuilder result)
    {
        result.Measure("dns.lookup_ms", first.Elapsed.TotalMilliseconds);
        result.Sample(TargetResolution.LookupTime, first.Elapsed.TotalSeconds);
        result.Sample(QuerySucceeded, first.Response is null ? 0 : 1);
        if (drift?.Drifted is { } drifted)
        {
            result.Sample(Drifted, drifted ? 1 : 0);
        }

        if (first.Response is not { } response)
        {
            return;
        }

        result.Measure("dns.rcode", DnsVocabulary.Name(response.Header.ResponseCode));
        result.Measure("dns.answer_count", first.Answers.Count);
        result.Measure("dns.authority_count", first.Authority.Count);
        result.Measure("dns.additional_count", first.Additional.Count);
        result.Measure("dns.answers", first.NormalisedAnswers);
        result.Sample(AnswerRrs, first.Answers.Count);
        result.Sample(AuthorityRrs, first.Authority.Count);
        result.Sample(AdditionalRrs, first.Additional.Count);
        if (first.Answers.Count > 0)
        {
            result.Measure("dns.ttl_min", first.Answers.Min(a => a.Ttl));
        }

        if (response.Answers.OfType<SoaRecord>().FirstOrDefault() is { } soa)
        {
            result.Measure("dns.serial", soa.Serial);
            result.Sample(Serial, soa.Serial);
        }
    }
}

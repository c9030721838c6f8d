using DnsClient.Protocol;
using Sentinel.Probes.Checks;
using Sentinel.Probes.Probing;
using Sentinel.Probes.Protocols.Dns;
using Sentinel.Probes.Resolving;

namespace Sentinel.Probes.Dns;

/// <summary>
/// <c>type: "dns"</c>: asks the check's DNS servers for the target name and record type with DnsClient, all at
/// once, or the system's resolvers as one resolver with failover, and holds each answer against the check: rcode,
/// expected records, regular expressions, minimum TTL; then whether the servers agree and whether the answer
/// drifted from its baseline. The measurements and blackbox_exporter's series describe the first server (with
/// the system's resolvers, the one that answered); the details show every server asked.
/// </summary>
/// <param name="systemServers">The system's resolvers, read at each run; default the nameservers of /etc/resolv.conf (tests pass their own).</param>
internal sealed class DnsProbe(Func<IReadOnlyList<DnsServer>>? systemServers = null) : IProbe, IWarmUp
{
    public static readonly MetricDescriptor AnswerRrs = new("probe_dns_answer_rrs", "Records in the answer section of the first server's response.");

    public static readonly MetricDescriptor AuthorityRrs = new("probe_dns_authority_rrs", "Records in the authority section of the first server's response.");

    public static readonly MetricDescriptor AdditionalRrs = new("probe_dns_additional_rrs", "Records in the additional section of the first server's response (without the EDNS0 OPT record).");

    public static readonly MetricDescriptor Serial = new("probe_dns_serial", "The SOA serial in the first server's answer, for SOA queries.");

    public static readonly MetricDescriptor QuerySucceeded = new("probe_dns_query_succeeded", "Whether the first server answered at all (1) or not (0), whatever its rcode.");

    public static readonly MetricDescriptor Drifted = new("sentinel_dns_drift", "1 while the check's answer differs from its accepted baseline, 0 when it matches; kept at its last value while no server answers validly; only for checks with drift detection.");

    /// <summary>Per server of the check (at most 10, as written in dns.servers, or the system resolver that answered): its exchange.</summary>
    public static readonly MetricDescriptor ServerLookup = new("sentinel_dns_server_lookup_seconds",
        "How long each DNS server of the check took to answer the query (the exchange; servers that did not answer are absent).", "s", "server")
    {
        SeriesPerCheck = DnsSection.MaxServers,
    };

    public static readonly MetricDescriptor Disagreement = new("sentinel_dns_disagreement", "For checks with agree: 1 when the servers that answered gave different rcodes or answer sets, 0 when they agreed; absent when fewer than two answered.");

    /// <summary>
    /// blackbox_exporter's phases of a DNS probe: <c>resolve</c> (the server's name), <c>connect</c> and
    /// <c>request</c>. DnsClient opens and uses its socket in one call, so the exchange is all <c>request</c>;
    /// <c>connect</c> is 0 over UDP, where nothing is set up, and absent over TCP, whose handshake is inside
    /// <c>request</c>.
    /// </summary>
    public static readonly MetricDescriptor Duration = new("probe_dns_duration_seconds",
        "Duration of the DNS query by phase, as blackbox_exporter: resolve (the server's name), connect (0 over UDP; over TCP the handshake is in request), request (the exchange).", "s", "phase")
    {
        SeriesPerCheck = 3,
    };

    public static ProbeType Type { get; } = new()
    {
        Name = "dns",
        Summary = "Asks DNS servers for a name and record type; checks rcode, records and TTLs, agreement between servers and drift from a baseline.",
        Probe = new DnsProbe(),
        ReadSection = DnsSection.Read,
        ValidateTarget = DnsTarget.Validate,
        ValidateCheck = (check, path) => ValidateCheck(check.Target, check.Section!, JsonPath.Member(path, "dns")),
        ResolvesTargetHost = false,
        Measurements = DnsMeasurements.All,
        Metrics = [TargetResolution.LookupTime, TargetResolution.IpProtocol, TargetResolution.IpAddrHash, Duration, AnswerRrs, AuthorityRrs, AdditionalRrs, Serial, QuerySucceeded, Drifted, Disagreement, ServerLookup],
    };

    public async ValueTask<ProbeResult> RunAsync(CheckDefinition check, ProbeContext context, CancellationToken cancellationToken)
    {
        var section = check.SectionAs<DnsSection>() ?? DnsSection.Default;
        var query = DnsTarget.Query(check.Target, section);
        var result = new ProbeResultBuilder(check);
        var servers = section.Servers ?? (systemServers ?? (() => SystemNameServers.Read()))();
        if (servers.Count == 0)
        {
            result.Fail(Layers.Probe, FailureCategories.ProbeError, $"this node has no DNS server to ask for {query}: {SystemNameServers.DefaultPath} lists no nameserver",
                "list the servers in the check's dns.servers, or fix this node's resolver configuration");
            return result.Build();
        }

        var answers = section.Servers is null
            ? [await DnsFailover.AskAsync(servers, query, section, check, context, cancellationToken).ConfigureAwait(false)]
            : await Task.WhenAll(servers.Select(s => DnsServerAnswer.AskAsync(s, query, section, check, context, cancellationToken))).ConfigureAwait(false);

        // Listed servers are asked at once, so each phase took as long as the slowest; the system's resolvers are
        // asked in turn, so theirs add up.
        result.Phase(PhaseNames.Resolve, answers.Max(a => a.ResolveElapsed + Sum(a.FailedOver, f => f.ResolveElapsed)));
        result.Phase(PhaseNames.Lookup, answers.Max(a => a.Elapsed + Sum(a.FailedOver, f => f.Elapsed)));

        var expectations = new DnsExpectations(section, query);
        var valid = new List<DnsServerAnswer>();
        foreach (var answer in answers)
        {
            foreach (var skipped in answer.FailedOver)
            {
                WarnFailedOver(query, skipped, result);
            }

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

        // Drift compares the servers that answered validly; with none, the last known state carries on, so that the
        // series does not vanish (and an alert on it flap) while a server times out.
        DnsDriftOutcome? drift = null;
        if (section.Drift == DnsDriftMode.Baseline)
        {
            drift = await DnsDrift.EvaluateAsync(check, query, valid, context, result, cancellationToken).ConfigureAwait(false);
        }

        Measure(answers[0], drift, result);
        foreach (var answer in answers.Where(a => a.Response is not null))
        {
            result.Sample(ServerLookup, answer.Elapsed.TotalSeconds, answer.Server.Name);
        }

        result.Details = new DnsDetails(query, section, answers, drift);
        return result.Build();
    }

    private static TimeSpan Sum(IReadOnlyList<DnsServerAnswer> answers, Func<DnsServerAnswer, TimeSpan> time) =>
        answers.Aggregate(TimeSpan.Zero, (sum, a) => sum + time(a));

    /// <summary>A system resolver that gave no usable answer, so that the next was asked: the check is degraded, not down.</summary>
    private static void WarnFailedOver(DnsQuery query, DnsServerAnswer skipped, ProbeResultBuilder result)
    {
        var (category, reason) = skipped.Failure is { } failure
            ? (failure.Category, failure.Message)
            : (DnsRcodes.Category(skipped.Rcode!.Value), $"{skipped.Server.Name} answered {DnsVocabulary.Name(skipped.Rcode!.Value)} for {query}");
        result.Warn(Layers.Dns, category,
            $"the system resolver {skipped.Server.Name} gave no usable answer, so the next in resolv.conf was asked: {reason}",
            "every lookup on this node waits for a resolver that fails before the next is asked; fix it, or remove it from /etc/resolv.conf");
    }

    public async ValueTask WarmUpAsync(ProbeContext context, Func<CheckDefinition, Task> run, CancellationToken cancellationToken)
    {
        // Exercise DnsClient and this probe over UDP and TCP against a loopback responder, in rounds, so that a
        // one-shot run times the server and not JIT compilation (a cold first query costs tens of milliseconds).
        var responder = new DnsWarmUp();
        await using var _ = responder.ConfigureAwait(false);

        // A server named by host name is resolved with the system resolver, whose first call in a process loads
        // its modules (NSS) and costs 100 ms or more; localhost is looked up only where this node's files answer it,
        // so that this sends no query.
        try
        {
            if (ResolutionWarmUp.LocalhostIsLocal)
            {
                await context.SystemResolver.ResolveAsync(HostsFileAnswer.Localhost, IpVersion.Any, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Only a warm-up: a node without localhost still probes, its first named server is timed cold.
        }

        foreach (var transport in Enumerable.Repeat(new[] { DnsTransport.Udp, DnsTransport.Tcp }, 3).SelectMany(t => t))
        {
            var check = new CheckDefinition
            {
                Id = "warm-up",
                Name = "warm-up",
                Type = "dns",
                Target = "warm-up.invalid",
                Timeout = TimeSpan.FromSeconds(2),
                Section = new DnsSection { Servers = [DnsServer.At(responder.EndPoint)], Transport = transport },
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

        if (DnsTarget.TypeFor(target, dns.RecordType, out var error) is not { } type)
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
        if (answered.Count >= 2)
        {
            result.Sample(Disagreement, groups.Count < 2 ? 0 : 1);
        }

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
        // blackbox_exporter's probe_dns_lookup_time_seconds is the time to resolve the DNS server's own name
        // (chooseProtocol); the query itself is probe_dns_duration_seconds{phase="request"}.
        result.Sample(TargetResolution.LookupTime, first.ResolveElapsed.TotalSeconds);
        result.Sample(Duration, first.ResolveElapsed.TotalSeconds, PhaseNames.Resolve);
        if (first.EndPoint is not null)
        {
            // As blackbox_exporter: the protocol and hash of the address the server was asked at.
            TargetResolution.SampleAddress(result, first.EndPoint.Address);
            result.Measure(DnsMeasurements.LookupMs, first.Elapsed.TotalMilliseconds);
            result.Sample(Duration, first.Elapsed.TotalSeconds, PhaseNames.Request);
            if (first.Transport == "udp")
            {
                result.Sample(Duration, 0, PhaseNames.Connect);
            }
        }

        result.Sample(QuerySucceeded, first.Response is null ? 0 : 1);
        if (drift?.Drifted is { } drifted)
        {
            result.Sample(Drifted, drifted ? 1 : 0);
        }

        if (first.Response is not { } response)
        {
            return;
        }

        result.Measure(DnsMeasurements.Rcode, DnsVocabulary.Name(response.Header.ResponseCode));
        result.Measure(DnsMeasurements.AnswerCount, first.Answers.Count);
        result.Measure(DnsMeasurements.AuthorityCount, first.Authority.Count);
        result.Measure(DnsMeasurements.AdditionalCount, first.Additional.Count);
        result.Measure(DnsMeasurements.Answers, first.NormalisedAnswers);
        result.Sample(AnswerRrs, first.Answers.Count);
        result.Sample(AuthorityRrs, first.Authority.Count);
        result.Sample(AdditionalRrs, first.Additional.Count);
        if (first.Answers.Count > 0)
        {
            result.Measure(DnsMeasurements.TtlMin, first.Answers.Min(a => a.Ttl));
        }

        if (response.Answers.OfType<SoaRecord>().FirstOrDefault() is { } soa)
        {
            result.Measure(DnsMeasurements.Serial, soa.Serial);
            result.Sample(Serial, soa.Serial);
        }
    }
}

using System.Net;
using System.Net.Sockets;
using ARSoft.Tools.Net;
using ARSoft.Tools.Net.Dns;
using Sentinel.Probes.Dns;
using Sentinel.Probes.Probing;
using Sentinel.Probes.Reporting;
using Sentinel.Probes.Resolving;
using Sentinel.Probes.Running;
using Sentinel.Testing;
using Xunit;

namespace Sentinel.Probes.Tests.Dns;

/// <summary>The DNS probe against a real DNS server on loopback: each record type, each rcode, the transports.</summary>
public sealed class DnsProbeTests : IDisposable
{
    private readonly DnsZoneServer _dns = DnsZoneServer.Start();
    private readonly ProbeRunner _runner = new(ProbeCatalog.Default, new ProbeContext());

    public void Dispose() => _dns.Dispose();

    public static TheoryData<string, string, string[]> RecordTypes() => new()
    {
        { "A", "www.zone.test", ["www.zone.test. A 192.0.2.1", "www.zone.test. A 192.0.2.2"] },
        { "AAAA", "www.zone.test", ["www.zone.test. AAAA 2001:db8::1"] },
        { "CNAME", "alias.zone.test", ["alias.zone.test. CNAME www.zone.test."] },
        { "MX", "zone.test", ["zone.test. MX 10 mx1.zone.test.", "zone.test. MX 20 mx2.zone.test."] },
        { "TXT", "zone.test", ["zone.test. TXT \"v=spf1 -all\"", "zone.test. TXT \"part one\" \"part \\\"two\\\"\""] },
        { "SRV", "_sip._tcp.zone.test", ["_sip._tcp.zone.test. SRV 10 5 5060 sip.zone.test."] },
        { "NS", "zone.test", ["zone.test. NS ns1.zone.test.", "zone.test. NS ns2.zone.test."] },
        { "SOA", "zone.test", ["zone.test. SOA ns1.zone.test. hostmaster.zone.test. 2024010101 7200 3600 1209600 300"] },
        { "CAA", "zone.test", ["zone.test. CAA 0 issue \"ca.example.net\"", "zone.test. CAA 128 iodef \"mailto:security@zone.test\""] },
    };

    [Theory]
    [MemberData(nameof(RecordTypes))]
    public async Task RunAsync_EachRecordType_ReportsTheNormalisedAnswerSet(string type, string name, string[] expected)
    {
        PublishZone();

        var result = await _runner.RunAsync(name, new { recordType = type, servers = new[] { _dns.Address } });

        Assert.Equal(ProbeStatus.Up, result.Status);
        Assert.Equal(expected.Order(StringComparer.Ordinal), result.Measurements["dns.answers"].Items);
        Assert.Equal(expected.Length, result.Measurements["dns.answer_count"].Number);
    }

    [Fact]
    public async Task RunAsync_IpAddressTarget_LooksUpThePtrRecordInReverse()
    {
        _dns.Add(new PtrRecord(DomainName.Parse("1.2.0.192.in-addr.arpa."), 300, DomainName.Parse("www.zone.test.")));

        var result = await _runner.RunAsync("192.0.2.1", new { servers = new[] { _dns.Address } });

        Assert.Equal(ProbeStatus.Up, result.Status);
        Assert.Equal(["1.2.0.192.in-addr.arpa. PTR www.zone.test."], result.Measurements["dns.answers"].Items);
        Assert.Equal(("1.2.0.192.in-addr.arpa.", RecordType.Ptr), (_dns.Received[0].Name, _dns.Received[0].Type));
    }

    [Fact]
    public async Task RunAsync_Ipv6AddressTarget_LooksUpItsIp6ArpaName()
    {
        var reverse = IPAddress.Parse("2001:db8::1").GetReverseLookupDomain();
        _dns.Add(new PtrRecord(reverse, 300, DomainName.Parse("v6.zone.test.")));

        var result = await _runner.RunAsync("2001:db8::1", new { recordType = "PTR", servers = new[] { _dns.Address } });

        Assert.Equal(ProbeStatus.Up, result.Status);
        Assert.Equal([$"{reverse} PTR v6.zone.test."], result.Measurements["dns.answers"].Items);
        Assert.EndsWith(".ip6.arpa.", _dns.Received[0].Name, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_ARecord_MeasuresCountsTtlAndLookupTime()
    {
        PublishZone();

        var result = await _runner.RunAsync("www.zone.test", new { servers = new[] { _dns.Address } });

        Assert.Equal("NOERROR", result.Measurements["dns.rcode"].Text);
        Assert.Equal(2, result.Measurements["dns.answer_count"].Number);
        Assert.Equal(1, result.Measurements["dns.authority_count"].Number);
        Assert.Equal(1, result.Measurements["dns.additional_count"].Number);
        Assert.Equal(60, result.Measurements["dns.ttl_min"].Number);
        Assert.InRange(result.Measurements["dns.lookup_ms"].Number!.Value, 0.001, 2000);
        Assert.False(result.Measurements.ContainsKey("dns.serial"));
        Assert.Equal(2, Sample(result, "probe_dns_answer_rrs"));
        Assert.Equal(1, Sample(result, "probe_dns_authority_rrs"));
        Assert.Equal(1, Sample(result, "probe_dns_additional_rrs"));
        Assert.Equal(1, Sample(result, "probe_dns_query_succeeded"));
        // As blackbox_exporter: the lookup time is finding the server's address (none to find for an IP), the query is the request phase.
        Assert.InRange(Sample(result, "probe_dns_lookup_time_seconds")!.Value, 0, 0.05);
        Assert.Equal(Sample(result, "probe_dns_lookup_time_seconds"), Sample(result, "probe_dns_duration_seconds", "resolve"));
        Assert.Equal(result.Measurements["dns.lookup_ms"].Number!.Value / 1000, Sample(result, "probe_dns_duration_seconds", "request")!.Value, tolerance: 1e-9);
        Assert.Equal(0, Sample(result, "probe_dns_duration_seconds", "connect"));
        Assert.Null(Sample(result, "probe_dns_serial"));
        Assert.Null(Sample(result, "sentinel_dns_drift"));
    }

    [Fact]
    public async Task RunAsync_SoaQuery_ReportsTheSerial()
    {
        PublishZone();

        var result = await _runner.RunAsync("zone.test", new { recordType = "SOA", servers = new[] { _dns.Address } });

        Assert.Equal(2024010101, result.Measurements["dns.serial"].Number);
        Assert.Equal(2024010101, Sample(result, "probe_dns_serial"));
    }

    [Fact]
    public async Task RunAsync_CnameChain_AnswersTheAliasAndItsTarget()
    {
        PublishZone();

        var result = await _runner.RunAsync("alias.zone.test", new { servers = new[] { _dns.Address } });

        Assert.Equal(
            ["alias.zone.test. CNAME www.zone.test.", "www.zone.test. A 192.0.2.1", "www.zone.test. A 192.0.2.2"],
            result.Measurements["dns.answers"].Items);
    }

    [Fact]
    public async Task RunAsync_NameDoesNotExist_ReportsDnsNxdomainWithTheZoneSoa()
    {
        PublishZone();

        var result = await _runner.RunAsync("missing.zone.test", new { servers = new[] { _dns.Address } });

        Assert.Equal(ProbeStatus.Down, result.Status);
        Assert.Equal(("dns", "dns_nxdomain"), (result.Failure!.Layer, result.Failure.Category));
        Assert.Equal($"missing.zone.test. does not exist: {_dns.Address} answered NXDOMAIN for missing.zone.test. A", result.Failure.Message);
        Assert.Equal("NXDOMAIN", result.Measurements["dns.rcode"].Text);
        Assert.Equal(0, result.Measurements["dns.answer_count"].Number);
        Assert.Equal(1, result.Measurements["dns.authority_count"].Number);
        Assert.False(result.Measurements.ContainsKey("dns.ttl_min"));
    }

    [Fact]
    public async Task RunAsync_NameWithoutRecordsOfTheType_IsUpWithAnEmptyAnswer()
    {
        PublishZone();

        var result = await _runner.RunAsync("www.zone.test", new { recordType = "MX", servers = new[] { _dns.Address } });

        Assert.Equal(ProbeStatus.Up, result.Status);
        Assert.Equal([], result.Measurements["dns.answers"].Items!);
    }

    [Theory]
    [InlineData(ReturnCode.ServerFailure, "dns_servfail", "answered SERVFAIL for broken.zone.test. A")]
    [InlineData(ReturnCode.Refused, "dns_refused", "refused to answer broken.zone.test. A (REFUSED)")]
    [InlineData(ReturnCode.NotImplemented, "dns_rcode", "answered NOTIMP for broken.zone.test. A, expected NOERROR")]
    [InlineData(ReturnCode.FormatError, "dns_rcode", "answered FORMERR for broken.zone.test. A, expected NOERROR")]
    [InlineData(ReturnCode.NotAuthoritive, "dns_rcode", "answered NOTAUTH for broken.zone.test. A, expected NOERROR")]
    public async Task RunAsync_ServerAnswersAnErrorRcode_ClassifiesIt(ReturnCode code, string category, string message)
    {
        _dns.AnswerWith("broken.zone.test.", code);

        var result = await _runner.RunAsync("broken.zone.test", new { servers = new[] { _dns.Address } });

        Assert.Equal(ProbeStatus.Down, result.Status);
        Assert.Equal(category, result.Failure!.Category);
        Assert.Equal($"{_dns.Address} {message}", result.Failure.Message);
    }

    [Theory]
    [InlineData("udp")]
    [InlineData("tcp")]
    public async Task RunAsync_ServerNeverAnswers_ReportsDnsTimeoutAtTheDeadline(string transport)
    {
        _dns.Silence("slow.zone.test.");

        var result = await _runner.RunAsync("slow.zone.test", new { servers = new[] { _dns.Address }, transport }, timeout: "400ms");

        Assert.Equal(("dns", "dns_timeout"), (result.Failure!.Layer, result.Failure.Category));
        Assert.Equal($"no answer from {_dns.Address} over {transport.ToUpperInvariant()} for slow.zone.test. A within the check's timeout (400ms)", result.Failure.Message);
        Assert.InRange(result.Duration, TimeSpan.FromMilliseconds(350), TimeSpan.FromSeconds(3));
        Assert.Equal(0, Sample(result, "probe_dns_query_succeeded"));
        Assert.False(result.Measurements.ContainsKey("dns.rcode"));
    }

    [Theory]
    [InlineData(null, "try \"ednsBufferSize\": 512 (no OPT record)")]
    [InlineData(512, "although it carried no EDNS0")]
    public async Task RunAsync_ServerAnswersFormerr_HintsAtEdns(int? ednsBufferSize, string hint)
    {
        _dns.AnswerWith("old.zone.test.", ReturnCode.FormatError);

        var result = await _runner.RunAsync("old.zone.test", ednsBufferSize is null
            ? new { servers = new[] { _dns.Address } }
            : (object)new { servers = new[] { _dns.Address }, ednsBufferSize });

        Assert.Equal("dns_rcode", result.Failure!.Category);
        Assert.Contains(hint, result.Failure.Hint, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_ServerNamedByHostName_IsResolvedAsItsOwnPhaseAndAskedAtItsAddress()
    {
        PublishZone();
        using var names = DnsZoneServer.Start();
        names.AddAddress("ns.names.test.", "127.0.0.1");
        var runner = new ProbeRunner(ProbeCatalog.Default, new ProbeContext { SystemResolver = new DnsServerHostResolver(names.Address) });
        var check = DnsChecks.Parse("www.zone.test", new { servers = new[] { $"ns.names.test:{_dns.EndPoint.Port}" } });

        var result = await runner.RunAsync(check, TestContext.Current.CancellationToken);

        Assert.Equal(ProbeStatus.Up, result.Status);
        Assert.Equal(2, result.Measurements["dns.answer_count"].Number);
        Assert.Equal(["ns.names.test."], names.Received.Select(q => q.Name).Distinct());
        var answer = ((DnsDetails)result.Details!).Servers[0];
        Assert.Equal(_dns.EndPoint, answer.EndPoint);
        Assert.True(answer.ResolveElapsed > TimeSpan.Zero);
        Assert.Equal(answer.ResolveElapsed, result.Phases.Single(p => p.Name == "resolve").Duration);
        Assert.Equal(answer.ResolveElapsed.TotalSeconds, Sample(result, "probe_dns_lookup_time_seconds"));
        var report = new StringWriter();
        ProbeReport.Write(report, check, result);
        Assert.Contains($"  server      ns.names.test:{_dns.EndPoint.Port} (127.0.0.1) over udp, ", report.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_ServerNameDoesNotResolve_SaysItIsTheServerThatCannotBeFound()
    {
        using var names = DnsZoneServer.Start();
        var runner = new ProbeRunner(ProbeCatalog.Default, new ProbeContext { SystemResolver = new DnsServerHostResolver(names.Address) });

        var result = await runner.RunAsync(DnsChecks.Parse("www.zone.test", new { servers = new[] { "ns.missing.test" } }), TestContext.Current.CancellationToken);

        Assert.Equal("dns_nxdomain", result.Failure!.Category);
        Assert.Equal($"the DNS server ns.missing.test cannot be found: ns.missing.test does not exist: {names.Address} answered NXDOMAIN", result.Failure.Message);
        Assert.Equal(0, _dns.Queries);
        Assert.Equal(0, Sample(result, "probe_dns_query_succeeded"));
        Assert.False(result.Measurements.ContainsKey("dns.lookup_ms"));
    }

    [Fact]
    public async Task RunAsync_Wildcard_ServiceAndClasslessReverseNames_AreAskedAsWritten()
    {
        _dns.AddAddress("*.zone.test.", "192.0.2.7");
        _dns.Add(new TxtRecord(DomainName.Parse("_dmarc.zone.test."), 300, "v=DMARC1; p=none"));
        _dns.Add(new PtrRecord(DomainName.Parse("1.0/25.2.0.192.in-addr.arpa."), 300, DomainName.Parse("host.zone.test.")));

        var wildcard = await _runner.RunAsync("*.zone.test", new { servers = new[] { _dns.Address }, expectAnswers = new[] { "*.zone.test. A 192.0.2.7" } });
        var dmarc = await _runner.RunAsync("_dmarc.zone.test", new { recordType = "TXT", servers = new[] { _dns.Address } });
        var classless = await _runner.RunAsync("1.0/25.2.0.192.in-addr.arpa.", new { recordType = "PTR", servers = new[] { _dns.Address } });

        Assert.Equal(ProbeStatus.Up, wildcard.Status);
        Assert.Equal(["_dmarc.zone.test. TXT \"v=DMARC1; p=none\""], dmarc.Measurements["dns.answers"].Items);
        Assert.Equal(["1.0/25.2.0.192.in-addr.arpa. PTR host.zone.test."], classless.Measurements["dns.answers"].Items);
        Assert.Equal(["*.zone.test.", "_dmarc.zone.test.", "1.0/25.2.0.192.in-addr.arpa."], _dns.Received.Select(q => q.Name));
    }

    [Fact]
    public async Task RunAsync_OverTcp_HasNoConnectPhaseOfItsOwn()
    {
        PublishZone();

        var result = await _runner.RunAsync("www.zone.test", new { servers = new[] { _dns.Address }, transport = "tcp" });

        Assert.NotNull(Sample(result, "probe_dns_duration_seconds", "request"));
        Assert.Null(Sample(result, "probe_dns_duration_seconds", "connect"));
    }

    [Fact]
    public async Task RunAsync_NothingListensOnTcp_ReportsTcpRefused()
    {
        var port = TcpPorts.Closed();

        var result = await _runner.RunAsync("www.zone.test", new { servers = new[] { $"127.0.0.1:{port}" }, transport = "tcp" });

        Assert.Equal(("tcp", "tcp_refused"), (result.Failure!.Layer, result.Failure.Category));
        Assert.Equal($"127.0.0.1:{port} refused the TCP connection for www.zone.test. A: nothing listens on TCP port {port}", result.Failure.Message);
    }

    [Fact]
    public async Task RunAsync_TcpTransport_AsksOverTcpOnly()
    {
        PublishZone();

        var result = await _runner.RunAsync("www.zone.test", new { servers = new[] { _dns.Address }, transport = "tcp" });

        Assert.Equal(ProbeStatus.Up, result.Status);
        Assert.Equal([TransportProtocol.Tcp], _dns.Received.Select(q => q.Protocol));
        Assert.Contains("\"transport\":\"tcp\"", ProbeResultJson.Serialize(result), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_AnswerTooLargeForUdp_FallsBackToTcpAndGetsItWhole()
    {
        PublishLargeAnswer("big.zone.test.", 40);

        var result = await _runner.RunAsync("big.zone.test", new { recordType = "TXT", servers = new[] { _dns.Address } });

        Assert.Equal(ProbeStatus.Up, result.Status);
        Assert.Equal(40, result.Measurements["dns.answer_count"].Number);
        Assert.Equal([TransportProtocol.Udp, TransportProtocol.Tcp], _dns.Received.Select(q => q.Protocol));
        Assert.Contains("\"transport\":\"udp+tcp\",\"truncated\":true", ProbeResultJson.Serialize(result), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_AnswerTooLargeAndTcpNotAllowed_ReportsDnsTruncated()
    {
        PublishLargeAnswer("big.zone.test.", 40);

        var result = await _runner.RunAsync("big.zone.test", new { recordType = "TXT", servers = new[] { _dns.Address }, tcpFallback = false });

        Assert.Equal(ProbeStatus.Down, result.Status);
        Assert.Equal(("dns", "dns_truncated"), (result.Failure!.Layer, result.Failure.Category));
        Assert.Equal($"{_dns.Address} sent a truncated UDP answer for big.zone.test. TXT (TC flag set), and the check does not allow TCP", result.Failure.Message);
        Assert.Equal([TransportProtocol.Udp], _dns.Received.Select(q => q.Protocol));
    }

    [Fact]
    public async Task RunAsync_LargerEdnsBuffer_GetsTheWholeAnswerOverUdp()
    {
        PublishLargeAnswer("big.zone.test.", 20);

        var result = await _runner.RunAsync("big.zone.test", new { recordType = "TXT", servers = new[] { _dns.Address }, tcpFallback = false, ednsBufferSize = 4096 });

        Assert.Equal(ProbeStatus.Up, result.Status);
        Assert.Equal(20, result.Measurements["dns.answer_count"].Number);
        Assert.Equal(4096, Assert.Single(_dns.Received).EdnsBufferSize);
    }

    [Theory]
    [InlineData(null, 1232)]
    [InlineData(4096, 4096)]
    [InlineData(1400, 1400)]
    [InlineData(512, null)]
    public async Task RunAsync_EdnsBufferSize_IsOfferedInTheOptRecord(int? configured, int? offered)
    {
        PublishZone();

        await _runner.RunAsync("www.zone.test", configured is null
            ? new { servers = new[] { _dns.Address } }
            : (object)new { servers = new[] { _dns.Address }, ednsBufferSize = configured });

        Assert.Equal(offered, Assert.Single(_dns.Received).EdnsBufferSize);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task RunAsync_Recursion_SetsTheRdFlag(bool recursion)
    {
        PublishZone();

        await _runner.RunAsync("www.zone.test", new { servers = new[] { _dns.Address }, recursion });

        Assert.Equal(recursion, Assert.Single(_dns.Received).RecursionDesired);
    }

    [Fact]
    public async Task RunAsync_ResolverRequiresRecursionAndCheckAsksWithout_ReportsRefusedWithAHint()
    {
        PublishZone();
        _dns.RequireRecursionDesired = true;

        var result = await _runner.RunAsync("www.zone.test", new { servers = new[] { _dns.Address }, recursion = false });

        Assert.Equal("dns_refused", result.Failure!.Category);
        Assert.Equal($"{_dns.Address} refused to answer www.zone.test. A (REFUSED) to a query without recursion desired", result.Failure.Message);
        Assert.StartsWith($"{_dns.Address} may serve only recursive queries", result.Failure.Hint, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_NameInUpperCase_IsAskedAndComparedInLowerCase()
    {
        PublishZone();

        var result = await _runner.RunAsync("WWW.Zone.TEST.", new { servers = new[] { _dns.Address }, expectAnswers = new[] { "192.0.2.1", "192.0.2.2" } });

        Assert.Equal(ProbeStatus.Up, result.Status);
        Assert.Equal("www.zone.test.", Assert.Single(_dns.Received).Name);
    }

    [Fact]
    public async Task RunAsync_Report_ShowsHeaderFlagsSectionsAndTime()
    {
        PublishZone();
        var check = DnsChecks.Parse("www.zone.test", new { servers = new[] { _dns.Address } });

        var result = await _runner.RunAsync(check, TestContext.Current.CancellationToken);
        var report = new StringWriter();
        ProbeReport.Write(report, check, result);

        var text = report.ToString();
        Assert.Contains("  question    www.zone.test.\tIN\tA", text, StringComparison.Ordinal);
        Assert.Contains($"  server      {_dns.Address} over udp, ", text, StringComparison.Ordinal);
        // The header's counts, as dig prints them: ADDITIONAL counts the server's OPT record, shown on its own line.
        Assert.Contains("  header      NOERROR, flags: qr aa rd; ANSWER: 2, AUTHORITY: 1, ADDITIONAL: 2", text, StringComparison.Ordinal);
        Assert.Contains("  edns        version: 0, flags:; udp: ", text, StringComparison.Ordinal);
        Assert.Contains("  answer      www.zone.test.\t300\tIN\tA\t192.0.2.1", text, StringComparison.Ordinal);
        Assert.Contains("  authority   zone.test.\t3600\tIN\tNS\tns1.zone.test.", text, StringComparison.Ordinal);
        Assert.Contains("  additional  ns1.zone.test.\t3600\tIN\tA\t192.0.2.53", text, StringComparison.Ordinal);
    }

    /// <summary>A small zone with one record set of every supported type.</summary>
    private void PublishZone()
    {
        var zone = DomainName.Parse("zone.test.");
        var www = DomainName.Parse("www.zone.test.");
        _dns.Add(new SoaRecord(zone, 3600, DomainName.Parse("ns1.zone.test."), DomainName.Parse("hostmaster.zone.test."), 2024010101, 7200, 3600, 1209600, 300));
        _dns.Add(new NsRecord(zone, 3600, DomainName.Parse("ns1.zone.test.")));
        _dns.Add(new NsRecord(zone, 3600, DomainName.Parse("ns2.zone.test.")));
        _dns.Add(new MxRecord(zone, 3600, 10, DomainName.Parse("mx1.zone.test.")));
        _dns.Add(new MxRecord(zone, 3600, 20, DomainName.Parse("MX2.zone.test.")));
        _dns.Add(new TxtRecord(zone, 300, "v=spf1 -all"));
        _dns.Add(new TxtRecord(zone, 300, ["part one", "part \"two\""]));
        _dns.Add(new CAARecord(zone, 300, 0, "issue", "ca.example.net"));
        _dns.Add(new CAARecord(zone, 300, 128, "IODEF", "mailto:security@zone.test"));
        _dns.Add(new ARecord(www, 300, IPAddress.Parse("192.0.2.1")));
        _dns.Add(new ARecord(www, 60, IPAddress.Parse("192.0.2.2")));
        _dns.Add(new AaaaRecord(www, 300, IPAddress.Parse("2001:db8:0:0::1")));
        _dns.AddAuthority("www.zone.test.", new NsRecord(zone, 3600, DomainName.Parse("ns1.zone.test.")));
        _dns.AddAdditional("www.zone.test.", new ARecord(DomainName.Parse("ns1.zone.test."), 3600, IPAddress.Parse("192.0.2.53")));
        _dns.Add(new CNameRecord(DomainName.Parse("alias.zone.test."), 300, www));
        _dns.Add(new SrvRecord(DomainName.Parse("_sip._tcp.zone.test."), 300, 10, 5, 5060, DomainName.Parse("sip.zone.test.")));
    }

    private void PublishLargeAnswer(string name, int records)
    {
        for (var i = 0; i < records; i++)
        {
            _dns.Add(new TxtRecord(DomainName.Parse(name), 300, $"record {i:00} " + new string('x', 90)));
        }
    }

    private static double? Sample(ProbeResult result, string metric, params string[] labels) =>
        result.Samples.Where(s => s.Metric.Name == metric && s.Labels.SequenceEqual(labels)).Select(s => (double?)s.Value).SingleOrDefault();
}

using System.Net;
using DnsClient;
using DnsClient.Protocol;
using DnsClient.Protocol.Options;
using Sentinel.Probes.Dns;
using Sentinel.Probes.Probing;
using Sentinel.Probes.Protocols.Dns;
using Sentinel.Probes.Tests.Reporting;
using Xunit;

namespace Sentinel.Probes.Tests.Dns;

/// <summary>The JSON and report lines of dns details, pinned byte for byte.</summary>
public sealed class DnsDetailsTests
{
    private static readonly DnsServer Named = new("ns1.sentinel.test", "ns1.sentinel.test", 53, null);

    [Fact]
    public void Details_FailoverNamedServerAndBaseline_WritesTheGoldenJsonAndReport()
    {
        var servfail = new DnsServerAnswer
        {
            Server = DnsServer.At(new IPEndPoint(IPAddress.Parse("192.0.2.53"), 53)),
            EndPoint = new IPEndPoint(IPAddress.Parse("192.0.2.53"), 53),
            Transport = "udp",
            Elapsed = TimeSpan.FromMilliseconds(0.8125),
            Response = new Response(new DnsResponseHeader(7, 0x8182, 1, 0, 0, 0), 33),
        };
        var answered = new DnsServerAnswer
        {
            Server = Named,
            EndPoint = new IPEndPoint(IPAddress.Parse("2001:db8::53"), 53),
            Transport = "udp+tcp",
            ResolveElapsed = TimeSpan.FromMilliseconds(1.0001),
            Elapsed = TimeSpan.FromMilliseconds(2.5),
            Truncated = true,
            Response = new Response(new DnsResponseHeader(8, 0x85a0, 1, 2, 2, 1), 187, new OptRecord(1232) { IsDnsSecOk = true }),
            FailedOver = [servfail],
            Answers =
            [
                new DnsRecordView("www.sentinel.test.", 300, "A", "192.0.2.1", "192.0.2.1"),
                new DnsRecordView("www.sentinel.test.", 300, "TXT", "\"v=spf1 \\\"quoted\\\" é\"", "\"v=spf1 \\\"quoted\\\" é\""),
            ],
            Authority = [new DnsRecordView("sentinel.test.", 3600, "NS", "ns1.sentinel.test.", "ns1.sentinel.test.")],
            Additional = [new DnsRecordView("ns1.sentinel.test.", 3600, "AAAA", "2001:db8::53", "2001:db8::53")],
        };
        var timedOut = new DnsServerAnswer
        {
            Server = new DnsServer("ns2.sentinel.test", "ns2.sentinel.test", 53, null),
            Transport = "udp",
            Elapsed = TimeSpan.FromSeconds(2),
            Failure = new Problem(Layers.Dns, FailureCategories.DnsTimeout, "ns2.sentinel.test did not answer within 2 s", "look"),
        };
        var baseline = new DnsBaseline("www.sentinel.test. A", ["www.sentinel.test. A 192.0.2.1"]);
        var drift = new DnsDriftOutcome(baseline, new DateTimeOffset(2026, 12, 31, 23, 59, 58, 500, TimeSpan.Zero), "sentinel dns accept (alice)", TakenNow: false, Drifted: true, Carried: true);

        DetailsGolden.Matches("dns-failover-baseline", new DnsDetails(
            new DnsQuery("www.sentinel.test.", QueryType.A), new DnsSection { Recursion = false, EdnsBufferSize = 4096 }, [answered, timedOut], drift));
    }

    [Fact]
    public void Details_BaselineTakenNow_WritesTheGoldenJsonAndReport()
    {
        var answered = new DnsServerAnswer
        {
            Server = DnsServer.At(new IPEndPoint(IPAddress.Parse("127.0.0.1"), 5353)),
            EndPoint = new IPEndPoint(IPAddress.Parse("127.0.0.1"), 5353),
            Transport = "tcp",
            Elapsed = TimeSpan.FromMilliseconds(0.3333333),
            Response = new Response(new DnsResponseHeader(9, 0x8580, 1, 1, 0, 0), 49),
            Answers = [new DnsRecordView("1.2.0.192.in-addr.arpa.", 60, "PTR", "host.sentinel.test.", "host.sentinel.test.")],
        };
        var drift = new DnsDriftOutcome(
            new DnsBaseline("1.2.0.192.in-addr.arpa. PTR", []), new DateTimeOffset(2027, 1, 1, 0, 0, 0, TimeSpan.Zero), "dns probe on node-a", TakenNow: true, Drifted: null);

        DetailsGolden.Matches("dns-baseline-taken", new DnsDetails(new DnsQuery("1.2.0.192.in-addr.arpa.", QueryType.PTR), new DnsSection(), [answered], drift));
    }

    /// <summary>A response as DnsClient hands it over, with a chosen header, size and additional section.</summary>
    private sealed class Response(DnsResponseHeader header, int size, params DnsResourceRecord[] additionals) : IDnsQueryResponse
    {
        public IReadOnlyList<DnsQuestion> Questions => [];

        public IReadOnlyList<DnsResourceRecord> Additionals => additionals;

        public IEnumerable<DnsResourceRecord> AllRecords => additionals;

        public IReadOnlyList<DnsResourceRecord> Answers => [];

        public IReadOnlyList<DnsResourceRecord> Authorities => [];

        public string AuditTrail => string.Empty;

        public string ErrorMessage => string.Empty;

        public bool HasError => false;

        public DnsResponseHeader Header => header;

        public int MessageSize => size;

        public NameServer NameServer => new(IPAddress.Loopback);

        public DnsQuerySettings Settings => new(new DnsQueryOptions());
    }
}

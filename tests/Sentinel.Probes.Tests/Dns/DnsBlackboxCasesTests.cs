using System.Net;
using System.Text.Json.Nodes;
using ARSoft.Tools.Net;
using ARSoft.Tools.Net.Dns;
using Sentinel.Probes.Probing;
using Sentinel.Probes.Running;
using Sentinel.Testing;
using Xunit;

namespace Sentinel.Probes.Tests.Dns;

/// <summary>
/// blackbox_exporter's DNS prober cases (prober/dns_test.go: TestRecursiveDNSResponse,
/// TestAuthoritativeDNSResponse, TestServfailDNSResponse), ported as behaviour: the same three servers, the same
/// settings and the same verdicts and record counts, over UDP and over TCP. The servers are real DNS servers on
/// loopback, set up as blackbox_exporter's handlers answer.
/// </summary>
public sealed class DnsBlackboxCasesTests : IDisposable
{
    private static readonly Dictionary<string, Case> Cases = new Case[]
    {
        // TestRecursiveDNSResponse: a resolver that answers two A records with TTL 3600, and REFUSED without RD.
        new("recursive: recursion desired", Server.Recursive, """{ "recursion": true }""", null, null, Counts: (2, 0, 0)),
        new("recursive: NOERROR not among valid rcodes", Server.Recursive, """{ "validRcodes": ["SERVFAIL", "NXDOMAIN"] }""",
            "dns_unexpected_answer", "{server} answered NOERROR for example.com. A, expected SERVFAIL, NXDOMAIN", Counts: (2, 0, 0)),
        new("recursive: answer rules hold", Server.Recursive, """{ "validateAnswer": { "failIfMatchesRegexp": [".*7200.*"], "failIfNotMatchesRegexp": [".*3600.*"] } }""",
            null, null, Counts: (2, 0, 0)),
        new("recursive: empty authority passes failIfMatches", Server.Recursive, """{ "validateAuthority": { "failIfMatchesRegexp": [".*7200.*"] } }""",
            null, null, Counts: (2, 0, 0)),
        new("recursive: empty additional fails failIfNotMatches", Server.Recursive, """{ "validateAdditional": { "failIfNotMatchesRegexp": [".*3600.*"] } }""",
            "dns_unexpected_answer", "{server}: the additional section for example.com. A is empty, but failIfNotMatchesRegexp needs every record to match /.*3600.*/", Counts: (2, 0, 0)),
        new("recursive: no recursion desired is refused", Server.Recursive, """{ "recursion": false }""",
            "dns_refused", "{server} refused to answer example.com. A (REFUSED) to a query without recursion desired", Counts: (0, 0, 0)),

        // TestAuthoritativeDNSResponse: one A record (SOA for SOA queries), two NS in authority, three glue records.
        new("authoritative: plain query", Server.Authoritative, "{}", null, null, Counts: (1, 2, 3)),
        new("authoritative: SOA query reports the serial", Server.Authoritative, """{ "recordType": "SOA" }""", null, null, Counts: (1, 2, 3), Serial: 1000),
        new("authoritative: NOERROR not among valid rcodes", Server.Authoritative, """{ "validRcodes": ["SERVFAIL", "NXDOMAIN"] }""",
            "dns_unexpected_answer", "{server} answered NOERROR for example.com. A, expected SERVFAIL, NXDOMAIN", Counts: (1, 2, 3)),
        new("authoritative: a record matches failIfMatches", Server.Authoritative, """{ "validateAnswer": { "failIfMatchesRegexp": [".*3600.*"], "failIfNotMatchesRegexp": [".*3600.*"] } }""",
            "dns_unexpected_answer", "{server}: the answer section for example.com. A has a record matching failIfMatchesRegexp /.*3600.*/: \"example.com. 3600 IN A 127.0.0.1\"", Counts: (1, 2, 3)),
        new("authoritative: a record does not match failIfNotMatches", Server.Authoritative, """{ "validateAnswer": { "failIfMatchesRegexp": [".*7200.*"], "failIfNotMatchesRegexp": [".*7200.*"] } }""",
            "dns_unexpected_answer", "{server}: the answer section for example.com. A has a record not matching failIfNotMatchesRegexp /.*7200.*/: \"example.com. 3600 IN A 127.0.0.1\"", Counts: (1, 2, 3)),
        new("authoritative: authority matches failIfNotMatches", Server.Authoritative, """{ "validateAuthority": { "failIfNotMatchesRegexp": ["ns.*.isp.net"] } }""",
            null, null, Counts: (1, 2, 3)),
        new("authoritative: additional matches failIfNotMatches", Server.Authoritative, """{ "validateAdditional": { "failIfNotMatchesRegexp": ["^ns.*.isp"] } }""",
            null, null, Counts: (1, 2, 3)),
        new("authoritative: additional matches failIfMatches", Server.Authoritative, """{ "validateAdditional": { "failIfMatchesRegexp": ["^ns.*.isp"] } }""",
            "dns_unexpected_answer", "{server}: the additional section for example.com. A has a record matching failIfMatchesRegexp /^ns.*.isp/: \"ns1.isp.net. 7200 IN A 127.0.0.1\"", Counts: (1, 2, 3)),
        new("authoritative: not all additional records match failIfAllMatch", Server.Authoritative, """{ "validateAdditional": { "failIfAllMatchRegexp": [".*127.0.0.*"] } }""",
            "dns_unexpected_answer", "{server}: the additional section for example.com. A: not every record matches failIfAllMatchRegexp /.*127.0.0.*/ (blackbox_exporter's rule), for one \"ns1.isp.net. 7200 IN AAAA ::1\"", Counts: (1, 2, 3)),
        new("authoritative: no additional record matches failIfNoneMatches", Server.Authoritative, """{ "validateAdditional": { "failIfNoneMatchesRegexp": [".*127.0.0.3.*"] } }""",
            "dns_unexpected_answer", "{server}: the additional section for example.com. A has no record matching failIfNoneMatchesRegexp /.*127.0.0.3.*/", Counts: (1, 2, 3)),

        // TestServfailDNSResponse: a server that answers SERVFAIL to everything.
        new("servfail: SERVFAIL by default fails", Server.Servfail, "{}", "dns_servfail", "{server} answered SERVFAIL for example.com. A", Counts: (0, 0, 0)),
        new("servfail: SERVFAIL among valid rcodes passes", Server.Servfail, """{ "validRcodes": ["SERVFAIL", "NXDOMAIN"] }""", null, null, Counts: (0, 0, 0)),
    }.ToDictionary(c => c.Name);

    private readonly DnsZoneServer _recursive = DnsZoneServer.Start();
    private readonly DnsZoneServer _authoritative = DnsZoneServer.Start();
    private readonly DnsZoneServer _servfail = DnsZoneServer.Start();
    private readonly ProbeRunner _runner = new(ProbeCatalog.Default, new ProbeContext());

    public DnsBlackboxCasesTests()
    {
        var example = DomainName.Parse("example.com.");
        _recursive.RequireRecursionDesired = true;
        _recursive.Add(new ARecord(example, 3600, IPAddress.Parse("127.0.0.1")));
        _recursive.Add(new ARecord(example, 3600, IPAddress.Parse("127.0.0.2")));

        _authoritative.Add(new ARecord(example, 3600, IPAddress.Parse("127.0.0.1")));
        _authoritative.Add(new SoaRecord(example, 3600, DomainName.Parse("ns.example.com."), DomainName.Parse("noc.example.com."), 1000, 7200, 3600, 1209600, 3600));
        _authoritative.AddAuthority("example.com.", new NsRecord(example, 7200, DomainName.Parse("ns1.isp.net.")));
        _authoritative.AddAuthority("example.com.", new NsRecord(example, 7200, DomainName.Parse("ns2.isp.net.")));
        _authoritative.AddAdditional("example.com.", new ARecord(DomainName.Parse("ns1.isp.net."), 7200, IPAddress.Parse("127.0.0.1")));
        _authoritative.AddAdditional("example.com.", new AaaaRecord(DomainName.Parse("ns1.isp.net."), 7200, IPAddress.IPv6Loopback));
        _authoritative.AddAdditional("example.com.", new ARecord(DomainName.Parse("ns2.isp.net."), 7200, IPAddress.Parse("127.0.0.2")));

        _servfail.AnswerWith("example.com.", ReturnCode.ServerFailure);
    }

    public enum Server
    {
        Recursive,
        Authoritative,
        Servfail,
    }

    public static TheoryData<string, string> CasesOverBothTransports()
    {
        var data = new TheoryData<string, string>();
        foreach (var name in Cases.Keys)
        {
            data.Add(name, "udp");
            data.Add(name, "tcp");
        }

        return data;
    }

    public void Dispose()
    {
        _recursive.Dispose();
        _authoritative.Dispose();
        _servfail.Dispose();
    }

    [Theory]
    [MemberData(nameof(CasesOverBothTransports))]
    public async Task RunAsync_BlackboxExporterCase_GivesTheSameVerdict(string name, string transport)
    {
        var @case = Cases[name];
        var server = @case.Server switch { Server.Recursive => _recursive, Server.Authoritative => _authoritative, _ => _servfail };
        var dns = JsonNode.Parse(@case.Dns)!.AsObject();
        dns["servers"] = new JsonArray(server.Address);
        dns["transport"] = transport;

        var result = await _runner.RunAsync("example.com", dns, timeout: "1s");

        Assert.Equal(@case.Category is null ? ProbeStatus.Up : ProbeStatus.Down, result.Status);
        Assert.Equal(@case.Category, result.Failure?.Category);
        Assert.Equal(@case.Message?.Replace("{server}", server.Address, StringComparison.Ordinal), result.Failure?.Message.Replace('\t', ' '));
        Assert.Equal(@case.Counts, ((int)Sample(result, "probe_dns_answer_rrs")!, (int)Sample(result, "probe_dns_authority_rrs")!, (int)Sample(result, "probe_dns_additional_rrs")!));
        Assert.Equal(1, Sample(result, "probe_dns_query_succeeded"));
        Assert.Equal(@case.Serial, Sample(result, "probe_dns_serial"));
    }

    [Theory]
    [InlineData("""{ "recordType": "NOT_A_VALID_QUERY_TYPE" }""", "$.dns.recordType: expected one of \"A\", \"AAAA\", \"CAA\", \"CNAME\", \"MX\", \"NS\", \"PTR\", \"SOA\", \"SRV\", \"TXT\", got string \"NOT_A_VALID_QUERY_TYPE\"")]
    [InlineData("""{ "validRcodes": ["NOT_A_VALID_RCODE"] }""", "$.dns.validRcodes[0]: unknown rcode \"NOT_A_VALID_RCODE\"; expected one of: NOERROR, FORMERR, SERVFAIL, NXDOMAIN, NOTIMP, REFUSED, YXDOMAIN, YXRRSET, NXRRSET, NOTAUTH, NOTZONE")]
    public void Parse_BlackboxExporterInvalidSetting_IsRejectedWhenTheCheckIsRead(string dns, string error)
    {
        // blackbox_exporter fails such a probe at run time; Sentinel refuses the check when it is loaded.
        Assert.Equal([error], DnsChecks.Errors("example.com", dns));
    }

    private static double? Sample(ProbeResult result, string metric) =>
        result.Samples.Where(s => s.Metric.Name == metric).Select(s => (double?)s.Value).SingleOrDefault();

    private sealed record Case(string Name, Server Server, string Dns, string? Category, string? Message, (int, int, int) Counts, double? Serial = null);
}

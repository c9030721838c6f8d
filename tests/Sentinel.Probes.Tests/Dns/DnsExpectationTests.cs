using System.Net;
using ARSoft.Tools.Net;
using ARSoft.Tools.Net.Dns;
using Sentinel.Probes.Probing;
using Sentinel.Probes.Running;
using Sentinel.Testing;
using Xunit;

namespace Sentinel.Probes.Tests.Dns;

/// <summary>Expected records, rcodes and TTLs against a real DNS server.</summary>
public sealed class DnsExpectationTests : IDisposable
{
    private readonly DnsZoneServer _dns = DnsZoneServer.Start();
    private readonly ProbeRunner _runner = new(ProbeCatalog.Default, new ProbeContext());

    public DnsExpectationTests()
    {
        _dns.AddAddress("www.expect.test.", "192.0.2.1", ttl: 300);
        _dns.AddAddress("www.expect.test.", "192.0.2.2", ttl: 60);
        _dns.Add(new CNameRecord(DomainName.Parse("alias.expect.test."), 300, DomainName.Parse("www.expect.test.")));
        _dns.Add(new MxRecord(DomainName.Parse("expect.test."), 300, 10, DomainName.Parse("mx1.expect.test.")));
        _dns.Add(new TxtRecord(DomainName.Parse("expect.test."), 300, "v=spf1 include:_spf.expect.test -all"));
    }

    public void Dispose() => _dns.Dispose();

    [Theory]
    [InlineData("192.0.2.2", "192.0.2.1")]
    [InlineData("www.expect.test. A 192.0.2.1", "WWW.Expect.Test. a 192.0.2.2")]
    [InlineData("192.0.2.1", "www.expect.test. A 192.0.2.2")]
    public async Task RunAsync_ExactSetMatches_IsUp(string first, string second)
    {
        var result = await RunAsync("www.expect.test", new { expectAnswers = new[] { first, second } });

        Assert.Equal(ProbeStatus.Up, result.Status);
    }

    [Fact]
    public async Task RunAsync_ExactSetDiffers_NamesMissingAndUnexpectedRecords()
    {
        var result = await RunAsync("www.expect.test", new { expectAnswers = new[] { "192.0.2.1", "192.0.2.3" } });

        Assert.Equal(("dns", "dns_unexpected_answer"), (result.Failure!.Layer, result.Failure.Category));
        Assert.Equal($"{_dns.Address}: the answer for www.expect.test. A is not the expected set: missing [192.0.2.3]; unexpected [www.expect.test. A 192.0.2.2]", result.Failure.Message);
    }

    [Fact]
    public async Task RunAsync_CnameChainNotListed_IsUnexpectedInAnExactSet()
    {
        var result = await RunAsync("alias.expect.test", new { expectAnswers = new[] { "192.0.2.1", "192.0.2.2" } });

        Assert.Equal($"{_dns.Address}: the answer for alias.expect.test. A is not the expected set: unexpected [alias.expect.test. CNAME www.expect.test.]", result.Failure!.Message);
    }

    [Fact]
    public async Task RunAsync_CnameChainListedInFull_IsUp()
    {
        var result = await RunAsync("alias.expect.test", new { expectAnswers = new[] { "alias.expect.test. CNAME www.expect.test", "192.0.2.1", "192.0.2.2" } });

        Assert.Equal(ProbeStatus.Up, result.Status);
    }

    [Fact]
    public async Task RunAsync_MustIncludeRecordAbsent_NamesIt()
    {
        var up = await RunAsync("www.expect.test", new { answersInclude = new[] { "192.0.2.1" } });
        var down = await RunAsync("www.expect.test", new { answersInclude = new[] { "192.0.2.1", "192.0.2.7" } });

        Assert.Equal(ProbeStatus.Up, up.Status);
        Assert.Equal($"{_dns.Address}: the answer for www.expect.test. A lacks records it must include: [192.0.2.7]", down.Failure!.Message);
    }

    [Fact]
    public async Task RunAsync_MustExcludeRecordPresent_NamesIt()
    {
        var up = await RunAsync("www.expect.test", new { answersExclude = new[] { "10.0.0.1" } });
        var down = await RunAsync("www.expect.test", new { answersExclude = new[] { "10.0.0.1", "192.0.2.2" } });

        Assert.Equal(ProbeStatus.Up, up.Status);
        Assert.Equal($"{_dns.Address}: the answer for www.expect.test. A has records it must not: [www.expect.test. A 192.0.2.2]", down.Failure!.Message);
    }

    [Theory]
    [InlineData("MX", "10 MX1.expect.test")]
    [InlineData("MX", "expect.test. MX 10 mx1.expect.test.")]
    [InlineData("TXT", "v=spf1 include:_spf.expect.test -all")]
    [InlineData("TXT", "\"v=spf1 include:_spf.expect.test -all\"")]
    public async Task RunAsync_RecordWrittenAsPeopleTypeIt_MatchesTheAnswer(string type, string expected)
    {
        var result = await RunAsync("expect.test", new { recordType = type, expectAnswers = new[] { expected } });

        Assert.Equal(ProbeStatus.Up, result.Status);
    }

    [Fact]
    public async Task RunAsync_TtlBelowMinTtl_NamesTheRecordAndBothTtls()
    {
        var up = await RunAsync("www.expect.test", new { minTtl = "1m" });
        var down = await RunAsync("www.expect.test", new { minTtl = "5m" });

        Assert.Equal(ProbeStatus.Up, up.Status);
        Assert.Equal($"{_dns.Address}: www.expect.test. A 192.0.2.2 has a TTL of 60 s, below minTtl (300 s)", down.Failure!.Message);
    }

    [Fact]
    public async Task RunAsync_NameMustNotExistAndDoesNot_IsUp()
    {
        var result = await RunAsync("gone.expect.test", new { validRcodes = new[] { "NXDOMAIN" } });

        Assert.Equal(ProbeStatus.Up, result.Status);
        Assert.Equal("NXDOMAIN", result.Measurements["dns.rcode"].Text);
    }

    [Fact]
    public async Task RunAsync_NameMustNotExistButDoes_IsAnUnexpectedAnswer()
    {
        var result = await RunAsync("www.expect.test", new { validRcodes = new[] { "NXDOMAIN" } });

        Assert.Equal("dns_unexpected_answer", result.Failure!.Category);
        Assert.Equal($"{_dns.Address} answered NOERROR for www.expect.test. A, expected NXDOMAIN", result.Failure.Message);
    }

    [Fact]
    public async Task RunAsync_SeveralExpectationsFail_ReportsEachOnce()
    {
        var result = await RunAsync("www.expect.test", new { answersInclude = new[] { "192.0.2.9" }, minTtl = "1h" });

        Assert.Equal(2, result.Problems.Count);
        Assert.All(result.Problems, p => Assert.Equal("dns_unexpected_answer", p.Category));
    }

    [Fact]
    public async Task RunAsync_AssertionOnTheAnswerList_ComparesAsASet()
    {
        var json = $$"""
            { "id": "a", "type": "dns", "target": "www.expect.test", "timeout": "2s", "dns": { "servers": ["{{_dns.Address}}"] },
              "assert": [ { "that": "dns.answers", "equals": ["www.expect.test. A 192.0.2.2", "www.expect.test. A 192.0.2.1"] },
                          { "that": "dns.answer_count", "equals": 2 }, { "that": "dns.ttl_min", "atLeast": 60 } ] }
            """;
        var check = Sentinel.Probes.Checks.CheckParser.Parse(json, "t", ProbeCatalog.Default.Checks).Checks[0].Definition;

        var result = await _runner.RunAsync(check, TestContext.Current.CancellationToken);

        Assert.Equal(ProbeStatus.Up, result.Status);
    }

    [Fact]
    public async Task RunAsync_HugeAnswer_ListsAtMostTenRecordsInTheMessage()
    {
        for (var i = 0; i < 50; i++)
        {
            _dns.Add(new ARecord(DomainName.Parse("many.expect.test."), 300, IPAddress.Parse($"198.51.100.{i + 1}")));
        }

        var result = await RunAsync("many.expect.test", new { expectAnswers = new[] { "192.0.2.1" } });

        Assert.EndsWith(", and 40 more]", result.Failure!.Message, StringComparison.Ordinal);
        Assert.Equal(50, result.Measurements["dns.answer_count"].Number);
    }

    private Task<ProbeResult> RunAsync(string target, object dns)
    {
        var node = System.Text.Json.Nodes.JsonNode.Parse(System.Text.Json.JsonSerializer.Serialize(dns))!.AsObject();
        node["servers"] = new System.Text.Json.Nodes.JsonArray(_dns.Address);
        return _runner.RunAsync(target, node);
    }
}

using System.Net;
using System.Text.Json;
using ARSoft.Tools.Net;
using ARSoft.Tools.Net.Dns;
using Sentinel.Testing;
using Xunit;

namespace Sentinel.EndToEnd.Tests.Dns;

/// <summary><c>sentinel probe dns</c> as a child process against a real DNS server: the report, the JSON, and bad flags.</summary>
public sealed class ProbeDnsCommandTests : IDisposable
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(60);
    private readonly DnsZoneServer _dns = DnsZoneServer.Start();
    private readonly TempDirectory _directory = new();

    public ProbeDnsCommandTests()
    {
        _dns.Add(new MxRecord(DomainName.Parse("cli.test."), 300, 10, DomainName.Parse("mx1.cli.test.")));
        _dns.Add(new ARecord(DomainName.Parse("www.cli.test."), 60, IPAddress.Parse("192.0.2.1")));
        _dns.Add(new PtrRecord(DomainName.Parse("1.2.0.192.in-addr.arpa."), 300, DomainName.Parse("www.cli.test.")));
    }

    public void Dispose()
    {
        _dns.Dispose();
        _directory.Dispose();
    }

    [Fact]
    public async Task ProbeDns_AnswerFound_PrintsTheDigLikeReportAndExitsZero()
    {
        var (exitCode, output) = await SentinelProcess.RunAsync(_directory.Path, Limit, "probe", "dns", "cli.test", "--type", "mx", "--server", _dns.Address);

        Assert.True(exitCode == 0, output);
        Assert.Contains("cli-dns: dns cli.test", output, StringComparison.Ordinal);
        Assert.Contains("  question    cli.test.\tIN\tMX", output, StringComparison.Ordinal);
        Assert.Contains($"  server      {_dns.Address} over udp, ", output, StringComparison.Ordinal);
        // ADDITIONAL counts the server's OPT record, as dig's header does; the edns line shows it.
        Assert.Contains("  header      NOERROR, flags: qr aa rd; ANSWER: 1, AUTHORITY: 0, ADDITIONAL: 1", output, StringComparison.Ordinal);
        Assert.Contains("  edns        version: 0, flags:; udp: ", output, StringComparison.Ordinal);
        Assert.Contains("  answer      cli.test.\t300\tIN\tMX\t10 mx1.cli.test.", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ProbeDns_IpAddressOverTcpAsJson_LooksUpInReverse()
    {
        var (exitCode, output) = await SentinelProcess.RunAsync(_directory.Path, Limit, "probe", "dns", "192.0.2.1", "--server", _dns.Address, "--tcp", "--json");

        Assert.True(exitCode == 0, output);
        var result = JsonDocument.Parse(output.Trim().Split('\n')[^1]).RootElement;
        Assert.Equal("1.2.0.192.in-addr.arpa. PTR www.cli.test.", result.GetProperty("measurements").GetProperty("dns.answers")[0].GetString());
        Assert.Equal("tcp", result.GetProperty("details").GetProperty("servers")[0].GetProperty("transport").GetString());
        Assert.Equal([TransportProtocol.Tcp], _dns.Received.Where(q => q.Name != "warm-up.invalid.").Select(q => q.Protocol));
    }

    [Fact]
    public async Task ProbeDns_NameDoesNotExist_ExitsOneWithTheFailure()
    {
        var (exitCode, output) = await SentinelProcess.RunAsync(_directory.Path, Limit, "probe", "dns", "missing.cli.test", "--server", _dns.Address, "--no-recursion", "--bufsize", "512");

        Assert.Equal(1, exitCode);
        Assert.Contains($"FAILURE dns_nxdomain (dns): missing.cli.test. does not exist: {_dns.Address} answered NXDOMAIN for missing.cli.test. A", output, StringComparison.Ordinal);
        var query = Assert.Single(_dns.Received);
        Assert.Equal((false, (int?)null), (query.RecursionDesired, query.EdnsBufferSize));
    }

    [Theory]
    [InlineData(new[] { "--server", "resolver example" }, "sentinel: --server resolver example: \"resolver example\" is not a valid host name (label \"resolver example\")")]
    [InlineData(new[] { "--server", "127.0.0.1:70000" }, "sentinel: --server 127.0.0.1:70000: port must be a number from 1 to 65535, got \"70000\"")]
    [InlineData(new[] { "--type", "AXFR" }, "sentinel: --type: expected one of \"A\", \"AAAA\", \"CAA\", \"CNAME\", \"MX\", \"NS\", \"PTR\", \"SOA\", \"SRV\", \"TXT\", got string \"AXFR\"")]
    [InlineData(new[] { "--bufsize", "100" }, "sentinel: --bufsize: must be from 512 to 4096, got 100")]
    [InlineData(new[] { "--tcp", "--no-tcp-fallback" }, "sentinel: --no-tcp-fallback: applies only to transport \"udp\"; with \"tcp\" every query goes over TCP")]
    [InlineData(new[] { "--timeout", "forever" }, "sentinel: --timeout: expected a duration such as \"30s\", \"5m\" or \"1h30m\", got string \"forever\"")]
    public async Task ProbeDns_BadFlag_ExitsTwoNamingTheFlag(string[] flags, string error)
    {
        var (exitCode, output) = await SentinelProcess.RunAsync(_directory.Path, Limit, ["probe", "dns", "cli.test", .. flags]);

        Assert.Equal(2, exitCode);
        Assert.Equal(error, output.Trim());
        Assert.Equal(0, _dns.Queries);
    }

    [Fact]
    public async Task ProbeDns_ReverseLookupWithAnotherType_ExitsTwo()
    {
        var (exitCode, output) = await SentinelProcess.RunAsync(_directory.Path, Limit, "probe", "dns", "192.0.2.1", "--type", "MX", "--server", _dns.Address);

        Assert.Equal(2, exitCode);
        Assert.Equal("sentinel: --type: a target that is an IP address is looked up in reverse (PTR, as dig -x does); recordType must be \"PTR\" or left out, got \"MX\"", output.Trim());
    }
}

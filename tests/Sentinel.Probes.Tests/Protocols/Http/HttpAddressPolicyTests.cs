using System.Net;
using System.Text.Json.Nodes;
using Sentinel.Probes.Probing;
using Sentinel.Probes.Reporting;
using Sentinel.Probes.Tests.Http;
using Sentinel.Testing;
using Xunit;

namespace Sentinel.Probes.Tests.Protocols.Http;

/// <summary>
/// A name with three addresses (127.0.0.1, 127.0.0.2 and 127.0.0.3 from a real DNS server), where the server
/// listens on the first two only: the policy decides whether the dead third one fails the check, and each
/// address's outcome is kept and exported.
/// </summary>
public sealed class HttpAddressPolicyTests : IAsyncLifetime
{
    private readonly DnsZoneServer _dns = DnsZoneServer.Start();
    private HttpTestServer _first = null!;
    private HttpTestServer _second = null!;

    public async ValueTask InitializeAsync()
    {
        _first = await HttpTestServer.StartAsync();
        _second = await HttpTestServer.StartAsync(new HttpTestServerOptions { Address = IPAddress.Parse("127.0.0.2"), Port = _first.Port });
        _dns.AddAddress("multi.sentinel.test.", "127.0.0.1");
        _dns.AddAddress("multi.sentinel.test.", "127.0.0.2");
        _dns.AddAddress("multi.sentinel.test.", "127.0.0.3");
        _dns.AddAddress("dual.sentinel.test.", "127.0.0.1");
        _dns.AddAddress("dual.sentinel.test.", "::1");
    }

    public async ValueTask DisposeAsync()
    {
        await _first.DisposeAsync();
        await _second.DisposeAsync();
        _dns.Dispose();
    }

    private string Target => $"http://multi.sentinel.test:{_first.Port}/json";

    private Task<ProbeResult> RunAsync(string? policy) =>
        HttpChecks.RunAsync(Target, policy is null ? null : new JsonObject { ["addresses"] = policy }, resolver: _dns.Address);

    [Fact]
    public async Task RunAsync_DefaultPolicy_ProbesTheFirstAddressOnly()
    {
        var result = await RunAsync(null);

        Assert.Equal(ProbeStatus.Up, result.Status);
        Assert.Equal(1, _first.Requests);
        Assert.Equal(0, _second.Requests);
        Assert.Equal(["0"], result.Samples.Where(s => s.Metric.Name == "sentinel_http_address_up").Select(s => s.Labels[0]));
        Assert.False(result.Measurements.ContainsKey("http.addresses_probed"));
    }

    [Fact]
    public async Task RunAsync_Any_IsDegradedNamingTheDeadAddress()
    {
        var result = await RunAsync("any");

        Assert.Equal(ProbeStatus.Degraded, result.Status);
        var warning = Assert.Single(result.Problems);
        Assert.Equal(("tcp_refused", ProblemSeverity.Warning), (warning.Category, warning.Severity));
        Assert.Equal($"address 3 of 3 (127.0.0.3): 127.0.0.3:{_first.Port} refused the connection: nothing is listening on port {_first.Port}", warning.Message);
        Assert.Equal(3, result.Measurements["http.addresses_probed"].Number);
        Assert.Equal(2, result.Measurements["http.addresses_up"].Number);
        Assert.Equal([("0", "ipv4", 1.0), ("1", "ipv4", 1.0), ("2", "ipv4", 0.0)],
            result.Samples.Where(s => s.Metric.Name == "sentinel_http_address_up").Select(s => (s.Labels[0], s.Labels[1], s.Value)));
        Assert.Equal(3, result.Samples.Count(s => s.Metric.Name == "sentinel_http_address_duration_seconds"));
        Assert.Equal(1, _first.Requests);
        Assert.Equal(1, _second.Requests);
    }

    [Fact]
    public async Task RunAsync_All_IsDownWithTheDeadAddressFailure()
    {
        var result = await RunAsync("all");

        Assert.Equal(ProbeStatus.Down, result.Status);
        Assert.Equal(("tcp", "tcp_refused"), (result.Failure!.Layer, result.Failure.Category));
        Assert.StartsWith("address 3 of 3 (127.0.0.3): ", result.Failure.Message, StringComparison.Ordinal);
        Assert.Contains("\"verdict\":\"2 of 3 addresses passed; the policy all needs every address\"", ProbeResultJson.Details(result), StringComparison.Ordinal);

        // The representative (first passing) address's measurements are the check's.
        Assert.Equal(200, result.Measurements["http.status_code"].Number);
    }

    [Theory]
    [InlineData("quorum:2", ProbeStatus.Degraded)]
    [InlineData("quorum:3", ProbeStatus.Down)]
    public async Task RunAsync_Quorum_CountsPassingAddresses(string policy, ProbeStatus expected)
    {
        var result = await RunAsync(policy);

        Assert.Equal(expected, result.Status);
    }

    [Fact]
    public async Task RunAsync_Any_ReportNamesEachAddress()
    {
        var check = HttpChecks.Parse(Target, new JsonObject { ["addresses"] = "any" }, resolver: _dns.Address);

        var report = HttpChecks.Report(check, await HttpChecks.RunAsync(check));

        Assert.Contains("  policy      any: 2 of 3 addresses passed; the policy any holds", report, StringComparison.Ordinal);
        Assert.Matches(@"  address 3   127\.0\.0\.3       DOWN  [\d.]+ ms  tcp_refused", report);
    }

    [Theory]
    [InlineData("ipv4", ProbeStatus.Up)]
    [InlineData("ipv6", ProbeStatus.Down)]
    public async Task RunAsync_IpVersion_PicksTheFamily(string ipVersion, ProbeStatus expected)
    {
        // The server listens on 127.0.0.1 only: over IPv6 (::1) the connection is refused.
        var result = await HttpChecks.RunAsync($"http://dual.sentinel.test:{_first.Port}/json", resolver: _dns.Address, ipVersion: ipVersion);

        Assert.Equal(expected, result.Status);
        Assert.Contains(result.Samples, s => s.Metric.Name == "probe_ip_protocol" && s.Value == (ipVersion == "ipv4" ? 4 : 6));
    }

    [Fact]
    public async Task RunAsync_BrokenIpv6Path_IsVisibleUnderAny()
    {
        var result = await HttpChecks.RunAsync($"http://dual.sentinel.test:{_first.Port}/json", new JsonObject { ["addresses"] = "any" }, resolver: _dns.Address);

        Assert.Equal(ProbeStatus.Degraded, result.Status);
        Assert.StartsWith("address 2 of 2 (::1): ", Assert.Single(result.Problems).Message, StringComparison.Ordinal);
        Assert.Contains(result.Samples, s => s.Metric.Name == "sentinel_http_address_up" && s.Labels.SequenceEqual(["1", "ipv6"]) && s.Value == 0);
    }
}

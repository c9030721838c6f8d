using System.Diagnostics;
using Sentinel.Probes.Checks;
using Sentinel.Probes.Dns;
using Sentinel.Probes.Probing;
using Sentinel.Probes.Protocols.Dns;
using Sentinel.Probes.Reporting;
using Sentinel.Probes.Running;
using Sentinel.Testing;
using Xunit;

namespace Sentinel.Probes.Tests.Dns;

/// <summary>
/// A check without servers asks the system's resolvers as libc does: in order, the next only when one gives no
/// usable answer. The resolvers here are real servers on loopback, given to the probe in place of resolv.conf.
/// </summary>
public sealed class DnsSystemResolversTests : IDisposable
{
    private const string Name = "www.sys.test.";

    private readonly DnsZoneServer _dns = DnsZoneServer.Start();
    private readonly DnsZoneServer _other = DnsZoneServer.Start();
    private readonly HostileDnsServer _dead = new(_ => null);

    public DnsSystemResolversTests()
    {
        _dns.AddAddress(Name, "192.0.2.1");
        _other.AddAddress(Name, "192.0.2.2");
    }

    public void Dispose()
    {
        _dns.Dispose();
        _other.Dispose();
        _dead.Dispose();
    }

    [Fact]
    public async Task RunAsync_FirstResolverAnswers_AsksNoOther()
    {
        var result = await RunAsync([_dns.EndPoint, _dead.EndPoint]);

        Assert.Equal(ProbeStatus.Up, result.Status);
        Assert.Equal(["www.sys.test. A 192.0.2.1"], result.Measurements["dns.answers"].Items);
        Assert.Equal(0, _dead.Queries);
    }

    [Fact]
    public async Task RunAsync_FirstResolverIsDead_FailsOverToTheNextWithinItsShareOfTheTimeout()
    {
        var clock = Stopwatch.StartNew();
        var result = await RunAsync([_dead.EndPoint, _dns.EndPoint], timeout: "1s");

        Assert.InRange(clock.Elapsed, TimeSpan.FromMilliseconds(450), TimeSpan.FromMilliseconds(1500));
        Assert.Equal(ProbeStatus.Degraded, result.Status);
        Assert.Equal(["www.sys.test. A 192.0.2.1"], result.Measurements["dns.answers"].Items);
        var warning = Assert.Single(result.Problems);
        Assert.Equal(("dns_timeout", ProblemSeverity.Warning), (warning.Category, warning.Severity));
        Assert.Equal(
            $"the system resolver {_dead.Address} gave no usable answer, so the next in resolv.conf was asked: " +
            $"no answer from {_dead.Address} over UDP for www.sys.test. A within 500ms, its share of the check's timeout (1s)",
            warning.Message);
        var details = (DnsDetails)result.Details!;
        Assert.Equal([_dead.Address], details.Servers[0].FailedOver.Select(f => f.Server.Name));
        Assert.Equal(_dns.Address, details.Servers[0].Server.Name);
    }

    [Fact]
    public async Task RunAsync_FirstResolverAnswersServfail_FailsOverAsLibcDoes()
    {
        _dns.AnswerWith(Name, ARSoft.Tools.Net.Dns.ReturnCode.ServerFailure);

        var result = await RunAsync([_dns.EndPoint, _other.EndPoint]);

        Assert.Equal(ProbeStatus.Degraded, result.Status);
        Assert.Equal(["www.sys.test. A 192.0.2.2"], result.Measurements["dns.answers"].Items);
        Assert.Equal("dns_servfail", Assert.Single(result.Problems).Category);
    }

    [Fact]
    public async Task RunAsync_EveryResolverIsDead_FailsWithTheLastOnesTimeout()
    {
        using var alsoDead = new HostileDnsServer(_ => null);

        var result = await RunAsync([_dead.EndPoint, alsoDead.EndPoint], timeout: "600ms");

        Assert.Equal(ProbeStatus.Down, result.Status);
        Assert.Equal(("dns_timeout", ProblemSeverity.Warning), (result.Problems[0].Category, result.Problems[0].Severity));
        Assert.Equal("dns_timeout", result.Failure!.Category);
        Assert.StartsWith($"no answer from {alsoDead.Address} over UDP for www.sys.test. A within ", result.Failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_ResolversThatDiffer_AreOneResolverSoABaselineIsTaken()
    {
        var state = new InMemoryCheckStateStore();

        var result = await RunAsync([_dns.EndPoint, _other.EndPoint], state: state, drift: true);

        Assert.Equal(ProbeStatus.Up, result.Status);
        Assert.Contains("192.0.2.1", (await state.GetAsync("t", DnsDrift.StateKey, TestContext.Current.CancellationToken))!.Json, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_Report_NamesTheResolverThatFailedOverAndTheOneThatAnswered()
    {
        var check = Check(timeout: "1s", drift: false);
        var result = await Probe([_dead.EndPoint, _dns.EndPoint], check, new InMemoryCheckStateStore());
        var report = new StringWriter();
        ProbeReport.Write(report, check, result);

        var text = report.ToString();
        Assert.Contains($"  server      {_dead.Address} over udp, ", text, StringComparison.Ordinal);
        Assert.Contains($"  server      {_dns.Address} over udp, ", text, StringComparison.Ordinal);
        Assert.True(text.IndexOf(_dead.Address, StringComparison.Ordinal) < text.IndexOf($"  server      {_dns.Address}", StringComparison.Ordinal));
        Assert.Contains("\"failedOver\":true", ProbeResultJson.Serialize(result), StringComparison.Ordinal);
    }

    private Task<ProbeResult> RunAsync(System.Net.IPEndPoint[] resolvers, string timeout = "2s", InMemoryCheckStateStore? state = null, bool drift = false) =>
        Probe(resolvers, Check(timeout, drift), state ?? new InMemoryCheckStateStore());

    private static CheckDefinition Check(string timeout = "2s", bool drift = false) =>
        DnsChecks.Parse(Name, drift ? new { drift = "baseline" } : null, timeout);

    /// <summary>Runs the probe as the runner does, with these resolvers in place of resolv.conf's.</summary>
    private static Task<ProbeResult> Probe(System.Net.IPEndPoint[] resolvers, CheckDefinition check, InMemoryCheckStateStore state)
    {
        var catalog = new ProbeTypes([DnsProbe.Type with { Probe = new DnsProbe(() => [.. resolvers.Select(DnsServer.At)]) }]);
        return new ProbeRunner(catalog, new ProbeContext { State = state }).RunAsync(check, TestContext.Current.CancellationToken);
    }
}

using System.Net;
using ARSoft.Tools.Net;
using ARSoft.Tools.Net.Dns;
using Microsoft.Extensions.Time.Testing;
using Sentinel.Probes.Dns;
using Sentinel.Probes.Probing;
using Sentinel.Probes.Reporting;
using Sentinel.Probes.Running;
using Sentinel.Testing;
using Xunit;

namespace Sentinel.Probes.Tests.Dns;

/// <summary>Drift from a baseline and agreement between servers, against real DNS servers whose zones change between runs.</summary>
public sealed class DnsDriftTests : IDisposable
{
    private const string Name = "www.drift.test.";

    private readonly DnsZoneServer _dns = DnsZoneServer.Start();
    private readonly DnsZoneServer _other = DnsZoneServer.Start();
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero));
    private readonly InMemoryCheckStateStore _state;
    private readonly ProbeContext _context;
    private readonly ProbeRunner _runner;

    public DnsDriftTests()
    {
        _state = new InMemoryCheckStateStore(_clock);
        _context = new ProbeContext { State = _state, Node = "node-a" };
        _runner = new ProbeRunner(ProbeCatalog.Default, _context);
    }

    public void Dispose()
    {
        _dns.Dispose();
        _other.Dispose();
    }

    [Fact]
    public async Task RunAsync_FirstGoodAnswer_BecomesTheBaselineWithWhenAndBy()
    {
        _dns.AddAddress(Name, "192.0.2.2");
        _dns.AddAddress(Name, "192.0.2.1");

        var result = await RunAsync();

        Assert.Equal(ProbeStatus.Up, result.Status);
        var stored = await _state.GetAsync("drift", DnsDrift.StateKey, TestContext.Current.CancellationToken);
        Assert.Equal("""{"query":"www.drift.test. A","answers":["www.drift.test. A 192.0.2.1","www.drift.test. A 192.0.2.2"]}""", stored!.Json);
        Assert.Equal(("dns probe on node-a", _clock.GetUtcNow()), (stored.UpdatedBy, stored.UpdatedAt));
        Assert.Equal(0, DriftSample(result));
        Assert.Contains("\"takenNow\":true", ProbeResultJson.Serialize(result), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_RecordChangedBetweenRuns_ReportsDriftWithAddedAndRemoved()
    {
        _dns.AddAddress(Name, "192.0.2.1");
        _dns.AddAddress(Name, "192.0.2.2");
        await RunAsync();

        _dns.Remove(Name);
        _dns.AddAddress(Name, "192.0.2.2");
        _dns.AddAddress(Name, "192.0.2.9");
        var result = await RunAsync();

        Assert.Equal(ProbeStatus.Down, result.Status);
        Assert.Equal(("dns", "dns_drift"), (result.Failure!.Layer, result.Failure.Category));
        Assert.Equal(
            $"the answer of {_dns.Address} for www.drift.test. A drifted from the baseline of 2026-03-01 12:00:00Z (dns probe on node-a): " +
            "added [www.drift.test. A 192.0.2.9]; removed [www.drift.test. A 192.0.2.1]",
            result.Failure.Message);
        Assert.Equal("if the change is intended, make it the new baseline with: sentinel dns accept drift", result.Failure.Hint);
        Assert.Equal(1, DriftSample(result));
    }

    [Fact]
    public async Task RunAsync_DriftPersists_BaselineIsNotReplacedByTheDriftedAnswer()
    {
        _dns.AddAddress(Name, "192.0.2.1");
        await RunAsync();
        _dns.Remove(Name);
        _dns.AddAddress(Name, "192.0.2.9");

        await RunAsync();
        var again = await RunAsync();

        Assert.Equal("dns_drift", again.Failure!.Category);
        Assert.Contains("192.0.2.1", (await _state.GetAsync("drift", DnsDrift.StateKey, TestContext.Current.CancellationToken))!.Json, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_OnlyTheTtlChanged_IsNotDrift()
    {
        _dns.AddAddress(Name, "192.0.2.1", ttl: 300);
        await RunAsync();

        _dns.Remove(Name);
        _dns.AddAddress(Name, "192.0.2.1", ttl: 30);
        var result = await RunAsync();

        Assert.Equal(ProbeStatus.Up, result.Status);
        Assert.Equal(30, result.Measurements["dns.ttl_min"].Number);
        Assert.Equal(0, DriftSample(result));
    }

    [Fact]
    public async Task RunAsync_RoundRobinRotatesTheOrder_IsNotDrift()
    {
        _dns.RotateAnswers = true;
        foreach (var address in new[] { "192.0.2.1", "192.0.2.2", "192.0.2.3" })
        {
            _dns.AddAddress(Name, address);
        }

        var orders = new List<string>();
        for (var run = 0; run < 3; run++)
        {
            var result = await RunAsync();
            Assert.Equal(ProbeStatus.Up, result.Status);
            orders.Add(string.Join(",", ((DnsDetails)result.Details!).Servers[0].Answers.Select(a => a.Data)));
        }

        // The server really did rotate: three runs saw three different orders of the same records.
        Assert.Equal(3, orders.Distinct().Count());
    }

    [Fact]
    public async Task AcceptAsync_AfterDrift_MakesTheCurrentAnswerTheBaselineAndTheCheckPassesAgain()
    {
        _dns.AddAddress(Name, "192.0.2.1");
        await RunAsync();
        _dns.Remove(Name);
        _dns.AddAddress(Name, "192.0.2.9");
        Assert.Equal("dns_drift", (await RunAsync()).Failure!.Category);
        _clock.Advance(TimeSpan.FromHours(1));

        var (acceptRun, accepted) = await DnsDrift.AcceptAsync(ProbeCatalog.Default, Check(), _context, _state, "sentinel dns accept (alice@ops)", TestContext.Current.CancellationToken);
        var after = await RunAsync();

        Assert.Equal(ProbeStatus.Up, acceptRun.Status);
        Assert.Equal(["www.drift.test. A 192.0.2.9"], accepted!.Answers);
        var stored = await _state.GetAsync("drift", DnsDrift.StateKey, TestContext.Current.CancellationToken);
        Assert.Equal(("sentinel dns accept (alice@ops)", new DateTimeOffset(2026, 3, 1, 13, 0, 0, TimeSpan.Zero)), (stored!.UpdatedBy, stored.UpdatedAt));
        Assert.Equal(ProbeStatus.Up, after.Status);
        Assert.Equal(0, DriftSample(after));
    }

    [Fact]
    public async Task AcceptAsync_CheckFailsNow_StoresNothing()
    {
        _dns.AddAddress(Name, "192.0.2.1");
        await RunAsync();
        _dns.Remove(Name);

        var (result, accepted) = await DnsDrift.AcceptAsync(ProbeCatalog.Default, Check(), _context, _state, "sentinel dns accept", TestContext.Current.CancellationToken);

        Assert.Null(accepted);
        Assert.Equal("dns_nxdomain", result.Failure!.Category);
        Assert.Contains("192.0.2.1", (await _state.GetAsync("drift", DnsDrift.StateKey, TestContext.Current.CancellationToken))!.Json, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_FailingRun_TakesNoBaseline()
    {
        var result = await RunAsync();

        Assert.Equal("dns_nxdomain", result.Failure!.Category);
        Assert.Null(await _state.GetAsync("drift", DnsDrift.StateKey, TestContext.Current.CancellationToken));
        Assert.Null(DriftSample(result));
    }

    [Fact]
    public async Task RunAsync_BaselineOfAnotherQuestion_IsReplacedNotReportedAsDrift()
    {
        _dns.AddAddress(Name, "192.0.2.1");
        await _state.SetAsync("drift", DnsDrift.StateKey, """{"query":"www.drift.test. MX","answers":["www.drift.test. MX 10 mx.drift.test."]}""", "old", TestContext.Current.CancellationToken);

        var result = await RunAsync();

        Assert.Equal(ProbeStatus.Up, result.Status);
        Assert.Contains("192.0.2.1", (await _state.GetAsync("drift", DnsDrift.StateKey, TestContext.Current.CancellationToken))!.Json, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("")]
    [InlineData("null")]
    [InlineData("""{"query": 1}""")]
    [InlineData("""{"query":"www.drift.test. A"}""")]
    [InlineData("""{"answers":[]}""")]
    [InlineData("""{"query":null,"answers":[]}""")]
    [InlineData("""{"query":"www.drift.test. A","answers":null}""")]
    [InlineData("""{"query":"www.drift.test. A","answers":"www.drift.test. A 192.0.2.1"}""")]
    [InlineData("""{"query":"www.drift.test. A","answers":[1]}""")]
    [InlineData("""{"query":"www.drift.test. A","answers":["www.drift.test. A 192.0.2.1",null]}""")]
    [InlineData("[]")]
    public async Task RunAsync_StoredBaselineUnreadable_IsAProbeErrorNamingTheFix(string json)
    {
        _dns.AddAddress(Name, "192.0.2.1");
        await _state.SetAsync("drift", DnsDrift.StateKey, json, "someone", TestContext.Current.CancellationToken);

        var result = await RunAsync();

        Assert.Equal(ProbeStatus.Unknown, result.Status);
        Assert.Equal(("probe_error", "the stored drift baseline of drift is not readable"), (result.Failure!.Category, result.Failure.Message));
        Assert.Equal("replace it with the current answers: sentinel dns accept drift", result.Failure.Hint);
    }

    [Fact]
    public async Task RunAsync_TwoServersDisagree_ReportsWhichServerSaidWhat()
    {
        _dns.AddAddress(Name, "192.0.2.1");
        _other.AddAddress(Name, "198.51.100.1");
        _other.AddAddress(Name, "198.51.100.2");

        var result = await RunAsync(agree: true, servers: [_dns.Address, _other.Address]);

        Assert.Equal(ProbeStatus.Down, result.Status);
        Assert.Equal(("dns", "dns_disagreement"), (result.Failure!.Layer, result.Failure.Category));
        Assert.Equal(
            $"the servers disagree on www.drift.test. A: {_dns.Address} answered NOERROR [www.drift.test. A 192.0.2.1]; " +
            $"{_other.Address} answered NOERROR [www.drift.test. A 198.51.100.1, www.drift.test. A 198.51.100.2]",
            result.Failure.Message);
        Assert.Null(await _state.GetAsync("drift", DnsDrift.StateKey, TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task RunAsync_OneServerSaysTheNameDoesNotExist_IsADisagreementAsWellAsNxdomain()
    {
        _dns.AddAddress(Name, "192.0.2.1");

        var result = await RunAsync(agree: true, servers: [_dns.Address, _other.Address], drift: false);

        Assert.Equal(["dns_nxdomain", "dns_disagreement"], result.Problems.Select(p => p.Category));
        Assert.Contains($"{_other.Address} answered NXDOMAIN []", result.Problems[1].Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_TwoServersAgreeInAnotherOrder_IsUpAndSharesOneBaseline()
    {
        _dns.AddAddress(Name, "192.0.2.1");
        _dns.AddAddress(Name, "192.0.2.2");
        _other.AddAddress(Name, "192.0.2.2");
        _other.AddAddress(Name, "192.0.2.1", ttl: 60);

        var result = await RunAsync(agree: true, servers: [_dns.Address, _other.Address]);

        Assert.Equal(ProbeStatus.Up, result.Status);
        Assert.NotNull(await _state.GetAsync("drift", DnsDrift.StateKey, TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task RunAsync_SecondServerDriftsAlone_NamesIt()
    {
        _dns.AddAddress(Name, "192.0.2.1");
        _other.AddAddress(Name, "192.0.2.1");
        await RunAsync(agree: true, servers: [_dns.Address, _other.Address]);

        _other.Remove(Name);
        _other.AddAddress(Name, "192.0.2.7");
        var result = await RunAsync(agree: true, servers: [_dns.Address, _other.Address]);

        Assert.Equal(["dns_disagreement", "dns_drift"], result.Problems.Select(p => p.Category));
        Assert.StartsWith($"the answer of {_other.Address} for www.drift.test. A drifted", result.Problems[1].Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_ServersDifferWithoutAgree_TakesNoBaselineAndSaysWhy()
    {
        _dns.AddAddress(Name, "192.0.2.1");
        _other.AddAddress(Name, "192.0.2.2");

        var result = await RunAsync(servers: [_dns.Address, _other.Address]);

        Assert.Equal(ProbeStatus.Degraded, result.Status);
        var warning = Assert.Single(result.Problems);
        Assert.Equal(("dns_disagreement", ProblemSeverity.Warning), (warning.Category, warning.Severity));
        Assert.StartsWith("no drift baseline was taken for www.drift.test. A: the servers' answers differ", warning.Message, StringComparison.Ordinal);
        Assert.Null(await _state.GetAsync("drift", DnsDrift.StateKey, TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task RunAsync_OneServerTimesOut_TheOtherIsStillComparedWithTheBaseline()
    {
        _dns.AddAddress(Name, "192.0.2.1");
        _other.AddAddress(Name, "192.0.2.1");
        await RunAsync(servers: [_dns.Address, _other.Address], timeout: "500ms");

        _other.Silence(Name);
        _dns.Remove(Name);
        _dns.AddAddress(Name, "192.0.2.9");
        var result = await RunAsync(servers: [_dns.Address, _other.Address], timeout: "500ms");

        Assert.Equal(["dns_timeout", "dns_drift"], result.Problems.Select(p => p.Category));
        Assert.StartsWith($"the answer of {_dns.Address} for www.drift.test. A drifted", result.Problems[1].Message, StringComparison.Ordinal);
        Assert.Equal(1, DriftSample(result));
    }

    [Fact]
    public async Task RunAsync_NoServerAnswers_KeepsTheLastKnownDriftState()
    {
        await DriftAsync();

        _dns.Silence(Name);
        var result = await RunAsync(timeout: "500ms");

        Assert.Equal("dns_timeout", result.Failure!.Category);
        Assert.Equal(1, DriftSample(result));
        var drift = ((DnsDetails)result.Details!).Drift!;
        Assert.Equal((true, true), (drift.Drifted, drift.Carried));
        var report = new StringWriter();
        ProbeReport.Write(report, Check(timeout: "500ms"), result);
        Assert.Contains("  drift       not compared in this run (no server answered validly); last known: drifted", report.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_NoServerAnswersAfterAnAccept_CarriesTheAcceptedState()
    {
        await DriftAsync();
        await DnsDrift.AcceptAsync(ProbeCatalog.Default, Check(timeout: "500ms"), _context, _state, "sentinel dns accept", TestContext.Current.CancellationToken);

        _dns.Silence(Name);
        var result = await RunAsync(timeout: "500ms");

        Assert.Equal(0, DriftSample(result));
    }

    [Fact]
    public async Task RunAsync_NoServerHasEverAnswered_HasNoDriftSeries()
    {
        _dns.Silence(Name);

        var result = await RunAsync(timeout: "300ms");

        Assert.Null(DriftSample(result));
    }

    [Fact]
    public async Task RunAsync_Drifted_StoresTheVerdictInItsFormat()
    {
        _dns.AddAddress(Name, "192.0.2.1");
        await RunAsync();
        Assert.Equal("""{"query":"www.drift.test. A","drifted":false}""", (await _state.GetAsync("drift", DnsDrift.VerdictKey, TestContext.Current.CancellationToken))!.Json);

        _dns.Remove(Name);
        _dns.AddAddress(Name, "192.0.2.9");
        await RunAsync();

        Assert.Equal("""{"query":"www.drift.test. A","drifted":true}""", (await _state.GetAsync("drift", DnsDrift.VerdictKey, TestContext.Current.CancellationToken))!.Json);
    }

    [Fact]
    public async Task RunAsync_StateStoredByAnEarlierVersion_IsReadAsBefore()
    {
        // Exactly what versions before the source-generated JSON stored: the baseline's answers unsorted, as a hand edit
        // may leave them, and the verdict written by a dictionary.
        await _state.SetAsync("drift", DnsDrift.StateKey, """{"query":"www.drift.test. A","answers":["www.drift.test. A 192.0.2.2","www.drift.test. A 192.0.2.1"]}""", "old", TestContext.Current.CancellationToken);
        await _state.SetAsync("drift", DnsDrift.VerdictKey, """{"query":"www.drift.test. A","drifted":true}""", "old", TestContext.Current.CancellationToken);
        _dns.Silence(Name);

        var silent = await RunAsync(timeout: "300ms");

        Assert.Equal(1, DriftSample(silent));
        Assert.Equal(["www.drift.test. A 192.0.2.1", "www.drift.test. A 192.0.2.2"], ((DnsDetails)silent.Details!).Drift!.Baseline!.Answers);
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("null")]
    [InlineData("[]")]
    [InlineData("""{"query":"www.drift.test. A"}""")]
    [InlineData("""{"query":"www.drift.test. A","drifted":"yes"}""")]
    [InlineData("""{"query":"www.drift.test. A","drifted":null}""")]
    [InlineData("""{"query":1,"drifted":true}""")]
    [InlineData("""{"query":"www.drift.test. MX","drifted":true}""")]
    public async Task RunAsync_StoredVerdictUnreadable_IsNoKnownVerdict(string json)
    {
        await _state.SetAsync("drift", DnsDrift.StateKey, """{"query":"www.drift.test. A","answers":["www.drift.test. A 192.0.2.1"]}""", "old", TestContext.Current.CancellationToken);
        await _state.SetAsync("drift", DnsDrift.VerdictKey, json, "someone", TestContext.Current.CancellationToken);
        _dns.Silence(Name);

        var result = await RunAsync(timeout: "300ms");

        Assert.Equal("dns_timeout", result.Failure!.Category);
        Assert.Null(DriftSample(result));
    }

    [Fact]
    public void Baseline_ToJsonAndBack_KeepsTheStoredFormat()
    {
        var baseline = new DnsBaseline("www.drift.test. TXT", ["www.drift.test. TXT \"a+b <c>\"", "www.drift.test. TXT \"é\""]);

        var json = baseline.ToJson();

        Assert.Equal("""{"query":"www.drift.test. TXT","answers":["www.drift.test. TXT \u0022a\u002Bb \u003Cc\u003E\u0022","www.drift.test. TXT \u0022\u00E9\u0022"]}""", json);
        Assert.Equal(baseline.Answers, DnsBaseline.FromJson(json)!.Answers);
        Assert.Equal(baseline.Query, DnsBaseline.FromJson(json)!.Query);
    }

    /// <summary>Takes a baseline, then changes the record: the check has drifted.</summary>
    private async Task DriftAsync()
    {
        _dns.AddAddress(Name, "192.0.2.1");
        await RunAsync(timeout: "500ms");
        _dns.Remove(Name);
        _dns.AddAddress(Name, "192.0.2.9");
        Assert.Equal(1, DriftSample(await RunAsync(timeout: "500ms")));
    }

    private Task<ProbeResult> RunAsync(bool agree = false, string[]? servers = null, bool drift = true, string timeout = "2s") =>
        _runner.RunAsync(Check(agree, servers, drift, timeout), TestContext.Current.CancellationToken);

    private Sentinel.Probes.Checks.CheckDefinition Check(bool agree = false, string[]? servers = null, bool drift = true, string timeout = "2s") =>
        DnsChecks.Parse(Name, new { servers = servers ?? [_dns.Address], drift = drift ? "baseline" : "off", agree }, timeout, id: "drift");

    private static double? DriftSample(ProbeResult result) =>
        result.Samples.Where(s => s.Metric.Name == "sentinel_dns_drift").Select(s => (double?)s.Value).SingleOrDefault();
}

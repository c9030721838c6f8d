using Sentinel.Probes.Checks;
using Sentinel.Probes.Paths;
using Sentinel.Probes.Probing;
using Sentinel.Probes.Running;
using Xunit;

namespace Sentinel.Probes.Tests.Paths;

/// <summary>
/// The path probe against loopback (one hop): how long runs keep to their schedule, what a cut-off run keeps,
/// and how it copes with the state store it keeps routes in.
/// </summary>
[Collection(nameof(SerialPathLab))]
public sealed class PathProbeTests
{
    [Fact]
    public async Task RunAsync_ThousandCyclesTenMillisecondsApart_FinishesWithinTheTimeoutTheValidatorAsks()
    {
        // 1000 cycles 10 ms apart send their last probe 9.99 s after the first; with 100 ms for its answer and the 1 s
        // margin the run needs 11.09 s, and 11.1 s is accepted. Cycles timed from the previous cycle's sends drift by
        // a fifth or more (500 such cycles took 6 to 7 s), so this run was cut off.
        var check = Check("""{"cycles": 1000, "interval": "10ms", "replyTimeout": "100ms"}""", timeout: "11s100ms");

        var result = await new ProbeRunner(ProbeCatalog.Default, new ProbeContext()).RunAsync(check, CancellationToken.None);

        Assert.True(result.Status == ProbeStatus.Up, PathProbeLabTests.Report(result));
        var hop = Assert.Single(HopView.Of(result));
        Assert.Equal(1000, hop.Sent);
        Assert.InRange(result.Phase("trace")!.Value, TimeSpan.FromSeconds(9.9), TimeSpan.FromSeconds(11.09));
    }

    [Fact]
    public async Task RunAsync_CutOffByTheDeadline_KeepsTheHopsThatAnswered()
    {
        var check = Check("""{"cycles": 40, "interval": "50ms"}""", timeout: "10s");
        using var deadline = new CancellationTokenSource(TimeSpan.FromMilliseconds(400));

        var result = await new PathProbe().RunAsync(check, new ProbeContext(), deadline.Token);

        Assert.Equal(ProbeStatus.Unknown, result.Status);
        Assert.Matches(@"^the run was cut off by the check's timeout \(10s\) in cycle \d+ of 40; the hops show what came back until then$", result.Failure!.Message);
        var hop = Assert.Single(HopView.Of(result));
        Assert.Equal("127.0.0.1", hop.Address);
        Assert.InRange(hop.Sent, 2, 39);
        Assert.Equal(hop.Sent, hop.Received);
        Assert.Equal(0, result.Measurements["path.loss_ratio"].Number);
    }

    [Fact]
    public async Task RunAsync_StateStoreFails_KeepsTheHopsAndTheVerdict()
    {
        var check = Check("""{"cycles": 3, "interval": "10ms"}""", timeout: "10s");
        var context = new ProbeContext { State = new FailingStateStore() };

        var result = await new ProbeRunner(ProbeCatalog.Default, context).RunAsync(check, CancellationToken.None);

        Assert.True(result.Status == ProbeStatus.Up, PathProbeLabTests.Report(result));
        var hop = Assert.Single(HopView.Of(result));
        Assert.Equal(("127.0.0.1", 3, 3), (hop.Address, hop.Sent, hop.Received));
        Assert.Equal(1, result.Measurements["path.hops"].Number);
    }

    [Fact]
    public async Task WarmUpAsync_DaemonWithAStateStore_StoresNoRoute()
    {
        // A route stored under an id a real check may have ("warm-up") would be compared with that check's next run.
        var store = new RecordingStateStore();
        var runner = new ProbeRunner(ProbeCatalog.Default, new ProbeContext { State = store });

        await runner.WarmUpAsync("path", CancellationToken.None);

        Assert.Empty(store.Calls);
    }

    private static CheckDefinition Check(string section, string timeout)
    {
        var document = CheckParser.Parse($$"""
            {"id": "loop-path", "type": "path", "target": "127.0.0.1", "interval": "1m", "timeout": "{{timeout}}", "path": {{section}} }
            """, "t.json", ProbeCatalog.Default.Checks);
        Assert.True(document.IsValid, string.Join("\n", document.Errors));
        return document.Checks[0].Definition;
    }

    private sealed class FailingStateStore : ICheckStateStore
    {
        public ValueTask<CheckState?> GetAsync(string checkId, string key, CancellationToken cancellationToken) =>
            throw new InvalidOperationException("the database is away");

        public ValueTask SetAsync(string checkId, string key, string json, string updatedBy, CancellationToken cancellationToken) =>
            throw new InvalidOperationException("the database is away");
    }

    private sealed class RecordingStateStore : ICheckStateStore
    {
        private readonly InMemoryCheckStateStore _store = new();

        public List<string> Calls { get; } = [];

        public ValueTask<CheckState?> GetAsync(string checkId, string key, CancellationToken cancellationToken)
        {
            lock (Calls)
            {
                Calls.Add($"get {checkId} {key}");
            }

            return _store.GetAsync(checkId, key, cancellationToken);
        }

        public ValueTask SetAsync(string checkId, string key, string json, string updatedBy, CancellationToken cancellationToken)
        {
            lock (Calls)
            {
                Calls.Add($"set {checkId} {key}");
            }

            return _store.SetAsync(checkId, key, json, updatedBy, cancellationToken);
        }
    }
}

using Microsoft.Extensions.Time.Testing;
using Sentinel.Probes.Checks;
using Sentinel.Probes.Probing;
using Sentinel.Probes.Running;
using Xunit;

namespace Sentinel.Probes.Tests.Running;

/// <summary>
/// The runner's own duties, with probes written for the purpose: the deadline it hands over, the budget it
/// enforces, crashes turned into probe_error, and assertions evaluated on the measurements.
/// </summary>
public sealed class ProbeRunnerTests
{
    [Fact]
    public async Task RunAsync_ProbeThrows_IsUnknownWithProbeError()
    {
        Exception? reported = null;
        var runner = Runner((_, _) => throw new InvalidOperationException("boom"), onCrash: (_, ex) => reported = ex);

        var result = await runner.RunAsync(Check(), TestContext.Current.CancellationToken);

        Assert.Equal(ProbeStatus.Unknown, result.Status);
        Assert.Equal("probe_error", result.Failure!.Category);
        Assert.Equal("the fake probe failed unexpectedly: InvalidOperationException: boom", result.Failure.Message);
        Assert.IsType<InvalidOperationException>(reported);
    }

    [Fact]
    public async Task RunAsync_EachRun_GetsItsOwnTimeOrderedIdFromItsStart()
    {
        var start = new DateTimeOffset(2026, 12, 6, 21, 30, 15, 250, TimeSpan.Zero);
        var time = new FakeTimeProvider(start);
        var runner = Runner(Measuring(1), time);

        var first = await runner.RunAsync(Check(), TestContext.Current.CancellationToken);
        time.Advance(TimeSpan.FromSeconds(1));
        var second = await runner.RunAsync(Check(), TestContext.Current.CancellationToken);

        Assert.NotEqual(first.Id, second.Id);
        Assert.Equal(7, first.Id.Version);
        var bytes = first.Id.ToByteArray(bigEndian: true);
        var milliseconds = ((long)bytes[0] << 40) | ((long)bytes[1] << 32) | ((long)bytes[2] << 24) | ((long)bytes[3] << 16) | ((long)bytes[4] << 8) | bytes[5];
        Assert.Equal(start.ToUnixTimeMilliseconds(), milliseconds);
        Assert.True(string.CompareOrdinal(first.Id.ToString(), second.Id.ToString()) < 0, "ids sort as their runs started");
    }

    [Fact]
    public async Task RunAsync_ProbeIgnoresItsDeadline_IsGivenUpAfterTheGrace()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UnixEpoch);
        var never = new TaskCompletionSource<ProbeResult>();
        var runner = Runner((_, _) => new ValueTask<ProbeResult>(never.Task), time);

        var run = runner.RunAsync(Check(timeout: TimeSpan.FromSeconds(1)), TestContext.Current.CancellationToken);
        time.Advance(TimeSpan.FromSeconds(1) + ProbeRunner.Grace - TimeSpan.FromMilliseconds(1));
        Assert.False(run.IsCompleted);
        time.Advance(TimeSpan.FromMilliseconds(1));
        var result = await run;

        Assert.Equal(ProbeStatus.Unknown, result.Status);
        Assert.Equal("the fake probe did not return within the check's timeout (1s) plus 2 s", result.Failure!.Message);
        Assert.Equal(TimeSpan.FromSeconds(3), result.Duration);
    }

    [Fact]
    public async Task RunAsync_DeadlineCancelsTheProbe()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UnixEpoch);
        var runner = Runner(async (check, ct) =>
        {
            var result = new ProbeResultBuilder(check);
            try
            {
                await Task.Delay(Timeout.Infinite, ct);
            }
            catch (OperationCanceledException)
            {
                result.Fail("tcp", "tcp_timeout", "cancelled by the deadline", "hint");
            }

            return result.Build();
        }, time);

        var run = runner.RunAsync(Check(timeout: TimeSpan.FromMilliseconds(500)), TestContext.Current.CancellationToken);
        time.Advance(TimeSpan.FromMilliseconds(500));
        var outcome = await run;

        Assert.Equal("tcp_timeout", outcome.Failure!.Category);
        Assert.Equal(DateTimeOffset.UnixEpoch, outcome.StartedAt);
    }

    [Fact]
    public async Task RunAsync_Stopping_ThrowsInsteadOfReportingTheTarget()
    {
        using var stopping = new CancellationTokenSource();
        var runner = Runner(async (check, ct) =>
        {
            await Task.Delay(Timeout.Infinite, ct);
            return new ProbeResultBuilder(check).Build();
        });

        var run = runner.RunAsync(Check(), stopping.Token);
        await stopping.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);
    }

    [Fact]
    public async Task RunAsync_FailedErrorAssertion_IsDownNamingMeasurementBoundAndValue()
    {
        var runner = Runner(Measuring(812.5));

        var result = await runner.RunAsync(Check(AssertionThat("atMost", "800")), TestContext.Current.CancellationToken);

        Assert.Equal(ProbeStatus.Down, result.Status);
        Assert.Equal(("assertion", "assertion_failed"), (result.Failure!.Layer, result.Failure.Category));
        Assert.Equal("fake.duration.total_ms was 812.5, expected at most 800", result.Failure.Message);
    }

    [Fact]
    public async Task RunAsync_FailedWarningAssertion_IsDegraded()
    {
        var runner = Runner(Measuring(812.5));

        var result = await runner.RunAsync(Check(AssertionThat("atMost", "800", "warning")), TestContext.Current.CancellationToken);

        Assert.Equal(ProbeStatus.Degraded, result.Status);
        Assert.True(result.Success);
        Assert.Null(result.Failure);
        Assert.Equal("assertion_failed", Assert.Single(result.Problems).Category);
    }

    [Fact]
    public async Task RunAsync_ProbeFailed_SkipsAssertions()
    {
        var runner = Runner((check, _) =>
        {
            var result = new ProbeResultBuilder(check);
            result.Fail("tcp", "tcp_refused", "refused", "hint");
            return ValueTask.FromResult(result.Build());
        });

        var outcome = await runner.RunAsync(Check(AssertionThat("atMost", "800")), TestContext.Current.CancellationToken);

        Assert.Equal("tcp_refused", Assert.Single(outcome.Problems).Category);
    }

    [Fact]
    public async Task EnsureWarmAsync_ConcurrentFirstRuns_ShareOneWarmUpAndLaterCallsDoNotWarmAgain()
    {
        var warming = new TaskCompletionSource();
        var probe = new WarmingProbe(() => warming.Task);
        var runner = new ProbeRunner(new ProbeTypes([FakeType(probe)]), new ProbeContext());
        var ct = TestContext.Current.CancellationToken;

        var first = Enumerable.Range(0, 8).Select(_ => runner.EnsureWarmAsync("fake", ct)).ToList();
        Assert.All(first, t => Assert.False(t.IsCompleted));
        warming.SetResult();
        await Task.WhenAll(first);
        await runner.EnsureWarmAsync("fake", ct);

        Assert.Equal(1, probe.WarmUps);
        Assert.Equal(2, probe.Runs);
    }

    [Fact]
    public async Task EnsureWarmAsync_WarmUpHangs_RunGoesAheadAfterTheBound()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UnixEpoch);
        var probe = new WarmingProbe(() => new TaskCompletionSource().Task);
        var runner = new ProbeRunner(new ProbeTypes([FakeType(probe)]), new ProbeContext { Time = time });

        var wait = runner.EnsureWarmAsync("fake", TestContext.Current.CancellationToken);
        time.Advance(ProbeRunner.WarmUpBound - TimeSpan.FromMilliseconds(1));
        Assert.False(wait.IsCompleted);
        time.Advance(TimeSpan.FromMilliseconds(1));
        await wait;

        Assert.Equal(1, probe.WarmUps);
    }

    [Fact]
    public async Task EnsureWarmAsync_WarmUpThrows_IsNotTheRunsProblem()
    {
        var probe = new WarmingProbe(() => throw new InvalidOperationException("warm-up broke"));
        var runner = new ProbeRunner(new ProbeTypes([FakeType(probe)]), new ProbeContext());

        await runner.EnsureWarmAsync("fake", TestContext.Current.CancellationToken);
        var result = await runner.RunAsync(Check(), TestContext.Current.CancellationToken);

        Assert.Equal(ProbeStatus.Up, result.Status);
    }

    [Fact]
    public async Task PrepareOneShotAsync_AfterTheWarmUps_IdlesForTheSettleBeforeTheRun()
    {
        // A target given by address looks nothing up, so the resolver's warm-up does nothing and only the idle is left.
        var time = new FakeTimeProvider(DateTimeOffset.UnixEpoch);
        var runner = Runner(Measuring(1), time);

        var prepared = runner.PrepareOneShotAsync(Check() with { Target = "127.0.0.1" }, TestContext.Current.CancellationToken);
        time.Advance(ProbeRunner.Settle - TimeSpan.FromTicks(1));
        Assert.False(prepared.IsCompleted);
        time.Advance(TimeSpan.FromTicks(1));
        await prepared;

        Assert.InRange(ProbeRunner.Settle, TimeSpan.FromMilliseconds(1), TimeSpan.FromMilliseconds(10));
    }

    private static ProbeRunner Runner(Func<CheckDefinition, CancellationToken, ValueTask<ProbeResult>> run, TimeProvider? time = null, Action<CheckDefinition, Exception>? onCrash = null) =>
        new(new ProbeTypes([FakeType(run)]), new ProbeContext { Time = time ?? TimeProvider.System }, onCrash);

    private static Func<CheckDefinition, CancellationToken, ValueTask<ProbeResult>> Measuring(double total) => (check, _) =>
    {
        var result = new ProbeResultBuilder(check);
        result.Measure("fake.duration.total_ms", total);
        return ValueTask.FromResult(result.Build());
    };

    private static CheckDefinition Check(Assertion? assertion = null, TimeSpan? timeout = null) => new()
    {
        Id = "fake-check",
        Name = "fake-check",
        Type = "fake",
        Target = "nowhere",
        Timeout = timeout ?? TimeSpan.FromSeconds(5),
        Assertions = assertion is null ? [] : [assertion],
    };

    private static Assertion AssertionThat(string op, string operand, string severity = "error")
    {
        var json = $$"""{ "id": "x", "type": "fake", "target": "t", "assert": [{ "that": "fake.duration.total_ms", "{{op}}": {{operand}}, "severity": "{{severity}}" }] }""";
        var document = CheckParser.Parse(System.Text.Encoding.UTF8.GetBytes(json), "t", new ProbeTypes([FakeType((c, _) => default)]).Checks);
        Assert.True(document.IsValid, string.Join("; ", document.Errors));
        return document.Checks[0].Definition.Assertions[0];
    }

    private static ProbeType FakeType(Func<CheckDefinition, CancellationToken, ValueTask<ProbeResult>> run) => FakeType(new FakeProbe(run));

    private static ProbeType FakeType(IProbe probe) => new()
    {
        Name = "fake",
        Summary = "a probe written for a test",
        Probe = probe,
        ReadSection = _ => null,
        ValidateTarget = _ => null,
        Measurements = ["fake.duration.total_ms"],
    };

    private sealed class FakeProbe(Func<CheckDefinition, CancellationToken, ValueTask<ProbeResult>> run) : IProbe
    {
        public ValueTask<ProbeResult> RunAsync(CheckDefinition check, ProbeContext context, CancellationToken cancellationToken) => run(check, cancellationToken);
    }

    /// <summary>A probe whose warm-up waits on <c>warmUp</c> and runs the check twice through the runner, as real warm-ups do.</summary>
    private sealed class WarmingProbe(Func<Task> warmUp) : IProbe, IWarmUp
    {
        private int _warmUps;
        private int _runs;

        public int WarmUps => _warmUps;

        public int Runs => _runs;

        public ValueTask<ProbeResult> RunAsync(CheckDefinition check, ProbeContext context, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _runs);
            return ValueTask.FromResult(new ProbeResultBuilder(check).Build());
        }

        public async ValueTask WarmUpAsync(ProbeContext context, Func<CheckDefinition, Task> run, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _warmUps);
            await warmUp();
            await run(Check());
            await run(Check());
        }
    }
}

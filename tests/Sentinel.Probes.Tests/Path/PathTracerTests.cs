using System.Net;
using Microsoft.Extensions.Time.Testing;
using Sentinel.Probes.Paths;
using Sentinel.Probes.Protocols.Icmp;
using Xunit;

namespace Sentinel.Probes.Tests.Paths;

/// <summary>
/// The order in which a path run sends its probes, on a fake clock over a scripted four-hop path, when the walk's
/// timer fires late, as it does on a busy node: 10 cycles 10 ms apart, so the walk's TTLs are due 1 ms apart.
/// </summary>
public sealed class PathTracerTests
{
    private static readonly IPAddress Target = IPAddress.Parse("198.18.3.2");

    private static readonly PathSection Section = new()
    {
        Cycles = 10, Interval = TimeSpan.FromMilliseconds(10), MaxHops = 30, ReplyTimeout = TimeSpan.FromMilliseconds(100),
    };

    [Fact]
    public async Task RunAsync_WalkRunsLatePastTheNextCycle_ProbesEveryHopInEveryCycle()
    {
        // The walk's wait for TTL 2, due at 1 ms, ends at 13 ms: after cycle 2, due at 10 ms. Cycle 2 must still
        // probe hops 2 to 4, which the walk was due to reach before it.
        var clock = new LateTimerClock(new FakeTimeProvider(), TimeSpan.FromMilliseconds(1), lateness: TimeSpan.FromMilliseconds(12));
        var path = new ScriptedPath(clock, hops: 4);

        var trace = await RunAsync(new PathTracer(path, Target, Section, clock), clock);

        Assert.True(trace.Reached);
        Assert.Equal([10, 10, 10, 10], trace.Hops.Select(h => h.Sent));
        Assert.Equal([10, 10, 10, 10], trace.Hops.Select(h => h.Received));
    }

    [Fact]
    public async Task RunAsync_WalkRunsLate_GoesOnOneGapApartAndStopsAtTheDestination()
    {
        var clock = new LateTimerClock(new FakeTimeProvider(), TimeSpan.FromMilliseconds(1), lateness: TimeSpan.FromMilliseconds(12));
        var path = new ScriptedPath(clock, hops: 4);

        await RunAsync(new PathTracer(path, Target, Section, clock), clock);

        // Catching up with the schedule at once would send every TTL due by then, 2 to 14, at 13 ms, and cycle 2 up to
        // TTL 10 with them: 16 probes beyond the destination before its answer to TTL 4 could end the walk, whose ICMP
        // answers use up the destination's rate limit.
        Assert.Equal([(1, 0.0), (2, 13.0), (3, 14.0), (4, 15.0)], path.Sends.Take(4).Select(s => (s.Ttl, s.At.TotalMilliseconds)));
        Assert.DoesNotContain(path.Sends, s => s.Ttl > 4);
    }

    /// <summary>
    /// Runs the tracer to its end, moving the fake clock on in steps of a tenth of a millisecond, on a pool thread: without
    /// a synchronization context to queue them to, the continuations of a timer run within the step that fires it.
    /// </summary>
    private static Task<PathTrace> RunAsync(PathTracer tracer, LateTimerClock clock) => Task.Run(async () =>
    {
        var run = tracer.RunAsync(CancellationToken.None);
        for (var step = 0; step < 100_000 && !run.IsCompleted; step++)
        {
            clock.Time.Advance(TimeSpan.FromMilliseconds(0.1));
        }

        return await run.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
    });

    /// <summary>A fake clock on which the first timer set for <c>due</c> fires <c>lateness</c> after it, as on a busy node.</summary>
    private sealed class LateTimerClock(FakeTimeProvider time, TimeSpan due, TimeSpan lateness) : TimeProvider
    {
        private bool _late;

        public FakeTimeProvider Time => time;

        public override long TimestampFrequency => time.TimestampFrequency;

        public override long GetTimestamp() => time.GetTimestamp();

        public override DateTimeOffset GetUtcNow() => time.GetUtcNow();

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            if (!_late && dueTime == due)
            {
                _late = true;
                dueTime += lateness;
            }

            return time.CreateTimer(callback, state, dueTime, period);
        }
    }

    /// <summary>
    /// A path of <c>hops</c> nodes on the fake clock: every node answers half a millisecond after the probe, the routers
    /// with "time exceeded", the last with an echo reply.
    /// </summary>
    private sealed class ScriptedPath(TimeProvider clock, int hops) : IHopProbeSender
    {
        private readonly long _start = clock.GetTimestamp();

        /// <summary>Every probe sent, with when it went out after the run started.</summary>
        public List<(int Ttl, TimeSpan At)> Sends { get; } = [];

        public async Task<EchoOutcome> SendAsync(int ttl, CancellationToken cancellationToken)
        {
            Sends.Add((ttl, clock.GetElapsedTime(_start)));
            // A timer of its own: Task.Delay counts whole milliseconds and would answer at once.
            var roundTrip = TimeSpan.FromMilliseconds(0.5);
            var answer = new TaskCompletionSource();
            using (clock.CreateTimer(_ => answer.TrySetResult(), null, roundTrip, Timeout.InfiniteTimeSpan))
            {
                await answer.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
            }

            return ttl < hops
                ? new EchoOutcome(IcmpReplyKind.TimeExceeded, 0, IPAddress.Parse($"198.18.{ttl - 1}.2"), roundTrip, null, null)
                : new EchoOutcome(IcmpReplyKind.EchoReply, 0, Target, roundTrip, null, null);
        }
    }
}

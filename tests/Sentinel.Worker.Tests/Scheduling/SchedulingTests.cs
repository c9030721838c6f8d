using Microsoft.Extensions.DependencyInjection;
using Quartz;
using Sentinel.Testing;
using Sentinel.Worker.Scheduling;
using Xunit;

namespace Sentinel.Worker.Tests.Scheduling;

/// <summary>The real scheduler, real probes, real database: runs happen at the interval, never overlap, respect the timeout.</summary>
[Collection(DaemonHostTests.Name)]
public sealed class SchedulingTests(PostgresCluster postgres)
{
    [Fact]
    public async Task Run_OneSecondInterval_RunsAboutOnceASecond()
    {
        using var listener = new CountingListener();
        await using var host = await SentinelTestHost.StartAsync(postgres, dir =>
            dir.Write("fast.json", Checks.CheckFileSyncTests.Tcp("fast", listener.EndPoint.ToString(), "1s")));

        var starts = await WaitForRunsAsync(host, "fast", 7);

        // The first run waits for the tcp probe's warm-up, so it may start late and the gap after it be short;
        // the runs after it are on the trigger's one-second grid, give or take the scheduler's jitter.
        var steady = starts.Skip(1).ToList();
        var gaps = steady.Zip(steady.Skip(1), (a, b) => (b - a).TotalSeconds).ToList();
        Assert.All(gaps, gap => Assert.InRange(gap, 0.5, 1.5));
        Assert.InRange((steady[^1] - steady[0]).TotalSeconds / gaps.Count, 0.9, 1.1);
        Assert.True(listener.Accepted >= 7);

        // Each run keeps the fire it was planned for: the check's offset into each second, a different second each, and
        // the run started at it (a batch of fires may start a little early, a busy machine late).
        var runs = await host.Database.QueryListAsync<(DateTime Start, DateTime? Planned)>(
            "SELECT started_at, scheduled_at FROM results WHERE check_id = 'fast' ORDER BY started_at");
        var offset = FireTimes.Offset("fast", TimeSpan.FromSeconds(1));
        Assert.All(runs, r =>
        {
            Assert.True(r.Planned is not null, $"the run at {r.Start:O} has no planned fire time");
            var planned = new DateTimeOffset(r.Planned.Value.ToUniversalTime(), TimeSpan.Zero);
            Assert.Equal(offset.Ticks / 10, (planned - DateTimeOffset.UnixEpoch).Ticks / 10 % 1_000_000);
            Assert.InRange((r.Start - r.Planned.Value).TotalSeconds, -0.1, 1.5);
        });
        Assert.Equal(runs.Count, runs.Select(r => r.Planned).Distinct().Count());
    }

    [Fact]
    public async Task Run_RunsAsLongAsTheInterval_NeverOverlap()
    {
        using var silent = new SilentListener();
        await using var host = await SentinelTestHost.StartAsync(postgres, dir => dir.Write("slow.json",
            $$"""{ "id": "slow", "type": "tcp", "target": "{{silent.EndPoint}}", "interval": "1s", "timeout": "950ms" }"""));

        await WaitForRunsAsync(host, "slow", 4);

        var runs = await host.Database.QueryListAsync<(DateTime Start, double DurationMs, string Category)>(
            "SELECT started_at, duration_ms, failure_category FROM results WHERE check_id = 'slow' ORDER BY started_at");
        Assert.All(runs, r => Assert.Equal("tcp_timeout", r.Category));
        Assert.All(runs, r => Assert.InRange(r.DurationMs, 900, 2_000));
        for (var i = 1; i < runs.Count; i++)
        {
            Assert.True(runs[i].Start >= runs[i - 1].Start.AddMilliseconds(runs[i - 1].DurationMs),
                $"run {i} started at {runs[i].Start:O}, before run {i - 1} ended");
        }
    }

    [Fact]
    public async Task Run_IntervalChanged_IsRescheduled()
    {
        using var listener = new CountingListener();
        await using var host = await SentinelTestHost.StartAsync(postgres, dir =>
            dir.Write("c.json", Checks.CheckFileSyncTests.Tcp("c", listener.EndPoint.ToString(), "1h")));
        await Eventually.WaitAsync(() => host.Logs.Lines.Any(l => l.Message.StartsWith("Scheduled check c every 1h", StringComparison.Ordinal)),
            TimeSpan.FromSeconds(15), "check c to be scheduled hourly");

        host.Checks.Write("c.json", Checks.CheckFileSyncTests.Tcp("c", listener.EndPoint.ToString(), "1s"));

        await WaitForRunsAsync(host, "c", 2);
    }

    [Fact]
    public async Task Run_CheckDisabled_StopsRunning()
    {
        using var listener = new CountingListener();
        await using var host = await SentinelTestHost.StartAsync(postgres, dir =>
            dir.Write("d.json", Checks.CheckFileSyncTests.Tcp("d", listener.EndPoint.ToString(), "1s")));
        await WaitForRunsAsync(host, "d", 1);

        host.Checks.Write("d.json", $$"""{ "id": "d", "type": "tcp", "target": "{{listener.EndPoint}}", "interval": "1s", "enabled": false }""");
        await Eventually.WaitAsync(() => host.Logs.Lines.Any(l => l.Message == "Unscheduled check d"), TimeSpan.FromSeconds(15), "check d to be unscheduled");

        var scheduler = await host.Services.GetRequiredService<ISchedulerFactory>().GetScheduler(TestContext.Current.CancellationToken);
        Assert.False(await scheduler.Exists(new JobKey("d", CheckScheduler.Group), TestContext.Current.CancellationToken));
        Assert.False(host.Services.GetRequiredService<CheckRegistry>().TryGet("d", out _));
    }

    internal static async Task<IReadOnlyList<DateTime>> WaitForRunsAsync(SentinelTestHost host, string id, int runs)
    {
        IReadOnlyList<DateTime> starts = [];
        await Eventually.WaitAsync(async () =>
        {
            starts = await host.Database.QueryListAsync<DateTime>("SELECT started_at FROM results WHERE check_id = @id ORDER BY started_at", new { id });
            return starts.Count >= runs;
        }, TimeSpan.FromSeconds(runs * 2 + 20), $"{runs} runs of {id}");
        return starts;
    }
}

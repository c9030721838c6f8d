using System.Diagnostics;
using Sentinel.Testing;
using Xunit;

namespace Sentinel.EndToEnd.Tests.Storage;

/// <summary>
/// PostgreSQL goes away for half a minute under a running daemon with five checks every second, and comes back:
/// probing must not stop, <c>/readyz</c> must say why results cannot be written, and every run must end up in
/// <c>results</c> exactly once.
/// </summary>
public sealed class StorageOutageTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(120);

    [Fact]
    public async Task Run_PostgresAwayHalfAMinute_ProbingGoesOnAndEveryRunIsStoredOnce()
    {
        await using var daemon = await OutageDaemon.StartAsync(checks: 5);
        await Eventually.WaitAsync(async () => (await daemon.ReadyAsync()).Status == 200, Patience, "/readyz to answer 200" + Environment.NewLine + daemon.Sentinel.Output);
        await Eventually.WaitAsync(async () => (await daemon.RunsAsync()).Values.All(r => r.Runs >= 3), Patience, "three runs of every check");
        var before = await daemon.RunsAsync();

        await daemon.Cluster.StopServerAsync();
        var outage = Stopwatch.StartNew();
        var notReady = await Eventually.ValueAsync(async () =>
        {
            var (status, body) = await daemon.ReadyAsync();
            return status == 503 && body.Contains("results cannot be written: PostgreSQL unreachable since", StringComparison.Ordinal) ? body : null;
        }, Patience, "/readyz to say that results cannot be written");

        // The outage lasts until every check has run 30 more times: half a minute of probing with the database away.
        await Eventually.WaitAsync(async () => (await daemon.RunsAsync()).All(r => r.Value.Runs >= before[r.Key].Runs + 30), Patience,
            "30 runs of every check with PostgreSQL away");
        var during = await daemon.RunsAsync();
        var metricsDuring = await daemon.MetricsAsync();
        Assert.True(OutageDaemon.Series(metricsDuring, "sentinel_results_spilled_total") >= 5 * 25, metricsDuring);
        Assert.Equal(0, OutageDaemon.Series(metricsDuring, "sentinel_storage_up"));
        Assert.Contains("results spilled", (await daemon.ReadyAsync()).Body, StringComparison.Ordinal);
        await daemon.Cluster.StartServerAsync();
        var away = outage.Elapsed;

        await Eventually.WaitAsync(async () => (await daemon.ReadyAsync()).Status == 200, Patience, "/readyz to answer 200 again" + Environment.NewLine + daemon.Sentinel.Output);
        await Eventually.WaitAsync(async () => OutageDaemon.Series(await daemon.MetricsAsync(), "sentinel_results_buffered") == 0, Patience, "nothing left to write");
        var after = await daemon.RunsAsync();
        foreach (var (check, (runs, lastRun)) in after)
        {
            await Eventually.WaitAsync(async () => await daemon.RowsUpToAsync(check, lastRun) >= runs, Patience, $"the rows of {check}'s {runs} runs");
        }

        var metrics = await daemon.MetricsAsync();
        var rows = new Dictionary<string, long>();
        foreach (var (check, (runs, lastRun)) in after)
        {
            rows[check] = await daemon.RowsUpToAsync(check, lastRun);
            Assert.Equal(runs, rows[check]);
        }

        var duplicates = await daemon.DuplicatesAsync();
        var maxGap = await daemon.MaxGapAsync(before.Values.Min(r => r.LastRun), after.Values.Max(r => r.LastRun));
        OutageDaemon.Report($"outage {away.TotalSeconds:0.0} s; runs per check {string.Join(", ", after.Select(a => $"{a.Key}={a.Value.Runs}"))}; " +
            $"rows per check {string.Join(", ", rows.Select(r => $"{r.Key}={r.Value}"))}; duplicates {duplicates}; max gap {maxGap:0.000} s; " +
            $"runs during the outage {during.Sum(d => d.Value.Runs - before[d.Key].Runs)}; spilled {OutageDaemon.Series(metrics, "sentinel_results_spilled_total")}; " +
            $"replayed {OutageDaemon.Series(metrics, "sentinel_results_replayed_total")}; dropped {string.Join(", ", new[] { "buffer_full", "spill_full", "spill_corrupt" }.Select(r => $"{r}={OutageDaemon.Series(metrics, "sentinel_results_dropped_total", label: $"reason=\"{r}\"")}"))}; " +
            $"/readyz said: {notReady}");
        Assert.Equal(0, duplicates);
        Assert.True(maxGap < OutageDaemon.Interval.TotalSeconds + 2, $"a gap of {maxGap:0.000} s between runs of one check");
        Assert.Equal(0, OutageDaemon.Series(metrics, "sentinel_results_dropped_total", label: "reason=\"buffer_full\""));
        Assert.Equal(1, OutageDaemon.Series(metrics, "sentinel_storage_up"));

        // SIGTERM with PostgreSQL up: what is in memory is written, nothing waits in the spill file.
        daemon.Sentinel.Terminate();
        Assert.True(await daemon.Sentinel.WaitForExitAsync(TimeSpan.FromSeconds(60)), "sentinel did not stop on SIGTERM");
        Assert.Equal(0, daemon.Sentinel.ExitCode);
        Assert.Empty(daemon.SpilledRows());
        Assert.Equal(0, await daemon.DuplicatesAsync());
        Assert.DoesNotContain("   at ", daemon.Sentinel.Output, StringComparison.Ordinal);
    }
}

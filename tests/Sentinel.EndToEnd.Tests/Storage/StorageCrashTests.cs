using Sentinel.Testing;
using Xunit;

namespace Sentinel.EndToEnd.Tests.Storage;

/// <summary>
/// Sentinel is killed (SIGKILL: no flush, no goodbye) while PostgreSQL is away: what it had spilled must be written
/// once after the restart — nothing spilled lost, nothing stored twice.
/// </summary>
public sealed class StorageCrashTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(120);

    [Fact]
    public async Task Run_KilledWhilePostgresAway_SpilledResultsAreWrittenOnceAfterTheRestart()
    {
        await using var daemon = await OutageDaemon.StartAsync(checks: 3);
        await Eventually.WaitAsync(async () => (await daemon.ReadyAsync()).Status == 200, Patience, "/readyz to answer 200" + Environment.NewLine + daemon.Sentinel.Output);
        await Eventually.WaitAsync(async () => (await daemon.RunsAsync()).Values.All(r => r.Runs >= 2), Patience, "two runs of every check");
        var before = await daemon.RunsAsync();

        await daemon.Cluster.StopServerAsync();
        await Eventually.WaitAsync(async () => (await daemon.RunsAsync()).All(r => r.Value.Runs >= before[r.Key].Runs + 10), Patience,
            "10 runs of every check with PostgreSQL away");

        // Every run up to a scrape is out of memory before the kill: the last one of each check is in the spill file, and the
        // buffer is first in, first out, so everything published before it is spilled (or was stored before the outage).
        var runs = await daemon.RunsAsync();
        await Eventually.WaitAsync(() =>
        {
            var spilled = daemon.SpilledRows();
            return runs.All(r => spilled.Any(s => s.CheckId == r.Key && Math.Abs(s.StartedAt.ToUnixTimeMilliseconds() / 1000.0 - r.Value.LastRun) < 0.0005));
        }, Patience, "the last run of every check in the spill file");

        daemon.Sentinel.KillHard();
        Assert.True(await daemon.Sentinel.WaitForExitAsync(TimeSpan.FromSeconds(30)), "sentinel did not die of SIGKILL");
        var spilledAtKill = daemon.SpilledRows();
        Assert.NotEmpty(spilledAtKill);
        Assert.Equal(spilledAtKill.Count, spilledAtKill.Select(r => r.Id).Distinct().Count());
        await daemon.Sentinel.DisposeAsync();

        await daemon.Cluster.StartServerAsync();
        daemon.StartSentinel();
        await Eventually.WaitAsync(async () => (await daemon.ReadyAsync()).Status == 200, Patience, "/readyz to answer 200 after the restart" + Environment.NewLine + daemon.Sentinel.Output);
        await Eventually.WaitAsync(() => daemon.SpilledRows().Count == 0, Patience, "the spill file to be written");

        var ids = spilledAtKill.Select(r => r.Id).ToArray();
        var replayedOnce = await daemon.Data.QueryValueAsync<long>("SELECT count(*) FROM results WHERE id = ANY(@ids)", new { ids });
        var metrics = await daemon.MetricsAsync();
        var rows = new Dictionary<string, long>();
        foreach (var (check, (_, lastRun)) in runs)
        {
            rows[check] = await daemon.RowsUpToAsync(check, lastRun);
        }

        var duplicates = await daemon.DuplicatesAsync();
        OutageDaemon.Report($"runs before the kill {string.Join(", ", runs.Select(r => $"{r.Key}={r.Value.Runs}"))}; rows of those runs after the restart " +
            $"{string.Join(", ", rows.Select(r => $"{r.Key}={r.Value}"))}; spilled at the kill {spilledAtKill.Count}; of them in results {replayedOnce}; " +
            $"replayed by the new process {OutageDaemon.Series(metrics, "sentinel_results_replayed_total")}; duplicates {duplicates}");
        Assert.Equal(spilledAtKill.Count, replayedOnce);
        Assert.Equal(0, duplicates);
        foreach (var (check, (count, _)) in runs)
        {
            Assert.Equal(count, rows[check]);
        }

        Assert.True(OutageDaemon.Series(metrics, "sentinel_results_replayed_total") >= spilledAtKill.Count);
        Assert.Contains("results spilled by an earlier run", daemon.Sentinel.Output, StringComparison.Ordinal);
    }
}

using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Sentinel.Testing;
using Sentinel.Worker.Scheduling;
using Xunit;
using Run = (string Check, System.DateTime? Planned, System.DateTime Started, string Node);

namespace Sentinel.EndToEnd.Tests.Cluster;

/// <summary>
/// Two worker processes and an API process on one PostgreSQL, with 20 checks at 1 s in one checks folder that both
/// workers read: each fire runs once, a worker killed with SIGKILL has its checks taken over, the API node shows every
/// check whichever worker ran it, and a check added through the API is scheduled on the cluster at once.
/// </summary>
public sealed class ClusterTests(PostgresCluster postgres)
{
    private const int Checks = 20;

    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Run_TwoWorkersAndAnApiNode_EachFireRunsOnceAndEveryNodeShowsEveryCheck()
    {
        await using var cluster = await ClusterNodes.CreateAsync(postgres);
        using var listener = new CountingListener();
        for (var i = 1; i <= Checks; i++)
        {
            cluster.Work.Write($"checks/c{i:00}.json", $$"""{ "id": "c{{i:00}}", "type": "tcp", "target": "{{listener.EndPoint}}", "interval": "1s" }""");
        }

        // Both workers start together with the same folder.
        var a = cluster.Start("worker-a", "worker");
        var b = cluster.Start("worker-b", "worker");
        var api = cluster.Start("api-1", "api");
        string Output() => $"{Environment.NewLine}worker-a:{Environment.NewLine}{a.Process.Output}{Environment.NewLine}worker-b:{Environment.NewLine}{b.Process.Output}";

        await Eventually.WaitAsync(async () => await cluster.Data.QueryValueAsync<long>(
            "SELECT count(*) FROM (SELECT check_id FROM results GROUP BY check_id HAVING count(*) >= 5) AS ran") == Checks,
            Bound, "five results of every check" + Output());
        await Eventually.WaitAsync(async () => await cluster.Data.QueryValueAsync<long>("SELECT count(DISTINCT node) FROM results") == 2,
            Bound, "results from both workers" + Output());

        // Each check once, written once: the file sync ran on one node, and no node removed what the other wrote.
        Assert.Equal(Checks, await cluster.Data.QueryValueAsync<long>("SELECT count(*) FROM checks WHERE origin = 'file' AND version = 1"));
        Assert.Equal(1, new[] { a, b }.Count(n => n.Process.Output.Contains("This node now syncs the checks folder", StringComparison.Ordinal)));

        // Each fire once, from the time every check was running (a check's first run waits for its probe's warm-up).
        var steady = await cluster.Data.QueryValueAsync<DateTime>("SELECT now()");
        await Eventually.WaitAsync(async () => await cluster.Data.QueryValueAsync<long>(
            "SELECT count(*) FROM results WHERE started_at > @steady", new { steady }) >= 5 * Checks, Bound, "five more runs a check");
        Assert.Empty(FiresRunTwice(await RunsSinceAsync(cluster, steady)));

        // The API node shows every check once, with the latest result whichever worker ran it.
        var metrics = await Eventually.ValueAsync(async () =>
        {
            var text = await api.Http.GetStringAsync("/metrics");
            return ClusterNodes.SeriesPerCheck(text, "probe_success").Count == Checks ? text : null;
        }, Bound, "probe_success of every check on the API node");
        Assert.All(ClusterNodes.SeriesPerCheck(metrics, "probe_success"), c => Assert.Equal(1, c.Value));
        api.Authorize(await cluster.CreateKeyAsync());
        // Each check's latest is the stored run it names, with the node that ran it. Which worker fires which check is
        // Quartz's to decide (a node acquires due triggers in batches), so both may not appear among the latest runs.
        for (var i = 1; i <= Checks; i++)
        {
            using var latest = JsonDocument.Parse(await api.Http.GetStringAsync($"/v1/checks/c{i:00}/latest"));
            var run = latest.RootElement.GetProperty("latest");
            var node = run.GetProperty("node").GetString();
            Assert.Contains(node, (string[])["worker-a", "worker-b"]);
            Assert.Equal(await cluster.Data.QueryValueAsync<string>("SELECT node FROM results WHERE id = @id", new { id = run.GetProperty("id").GetGuid() }), node);
        }

        var firesPerNode = await cluster.Data.QueryListAsync<(string Node, long Fires)>(
            "SELECT node, count(*) FROM results WHERE started_at > @steady GROUP BY node ORDER BY node", new { steady });

        // worker-a dies: its checks run on worker-b within the check-in interval, the threshold and one interval.
        var killedAt = await cluster.Data.QueryValueAsync<DateTime>("SELECT now()");
        a.Process.KillHard();
        var takeover = Stopwatch.StartNew();
        await Eventually.WaitAsync(async () => await cluster.Data.QueryValueAsync<long>(
            "SELECT count(DISTINCT check_id) FROM results WHERE node = 'worker-b' AND started_at > @killedAt", new { killedAt }) == Checks,
            Bound, "every check running on worker-b" + Output());
        var tookOver = takeover.Elapsed;
        var allowed = ClusterNodes.Checkin + ClusterNodes.CheckinThreshold + TimeSpan.FromSeconds(1) + TimeSpan.FromSeconds(3);
        Assert.True(tookOver < allowed, $"worker-b ran every check after {tookOver.TotalSeconds:0.0} s, allowed {allowed.TotalSeconds:0.0} s");

        // A check added through the API node is in the cluster's schedule within 2 s, and runs.
        var added = Stopwatch.StartNew();
        using (var created = await api.Http.PostAsync("/v1/checks", new StringContent(
            $$"""{ "id": "added", "type": "tcp", "target": "{{listener.EndPoint}}", "interval": "1s" }""", Encoding.UTF8, "application/json")))
        {
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        }

        await Eventually.WaitAsync(async () => await cluster.Data.QueryValueAsync<long>(
            "SELECT count(*) FROM qrtz_triggers WHERE trigger_name = 'added'") == 1, TimeSpan.FromSeconds(10), "the added check's trigger");
        var scheduled = added.Elapsed;
        Assert.True(scheduled < TimeSpan.FromSeconds(2), $"the added check was scheduled after {scheduled.TotalSeconds:0.0} s");
        await Eventually.WaitAsync(async () => await cluster.Data.QueryValueAsync<long>("SELECT count(*) FROM results WHERE check_id = 'added'") >= 2,
            Bound, "runs of the added check" + Output());

        // After the takeover every node still shows each check once: nothing lingers from the dead worker.
        var after = await Eventually.ValueAsync(async () =>
        {
            var text = await api.Http.GetStringAsync("/metrics");
            return ClusterNodes.SeriesPerCheck(text, "probe_success").Count == Checks + 1 ? text : null;
        }, Bound, "probe_success of every check, the added one too, on the API node");
        Assert.All(ClusterNodes.SeriesPerCheck(after, "probe_success"), c => Assert.Equal(1, c.Value));
        Assert.Equal(ClusterNodes.SeriesPerCheck(after, "probe_success").Keys.Order(),
            ClusterNodes.SeriesPerCheck(await b.Http.GetStringAsync("/metrics"), "probe_success").Keys.Order());
        var runs = await RunsSinceAsync(cluster, steady);
        Assert.Empty(FiresRunTwice(runs));

        ClusterNodes.Report($"fires per node before the kill: {string.Join(", ", firesPerNode.Select(f => $"{f.Node} {f.Fires}"))}; " +
            $"latest start after its planned fire, from the steady state on: {runs.Max(r => (r.Started - r.Planned!.Value).TotalMilliseconds):0} ms " +
            "(the first runs on a node wait for the probe's warm-up)");
        var late = runs.Where(r => r.Started - r.Planned!.Value > TimeSpan.FromSeconds(1)).ToList();
        // A fire more than the misfire threshold late is skipped, also one the killed worker held when it died: the next
        // slot runs instead, and is stored as that slot's run (with a second and a half for a busy machine's timers).
        var lateBound = SchedulingServiceCollectionExtensions.MisfireThreshold + TimeSpan.FromSeconds(1.5);
        Assert.True(late.All(r => r.Started - r.Planned!.Value < lateBound), $"runs started more than 1 s after their planned fire, allowed {lateBound.TotalSeconds} s " +
            $"(worker-a killed at {killedAt:HH:mm:ss.fff}): " +
            string.Join(", ", late.Select(r => $"{r.Check} planned {r.Planned:HH:mm:ss.fff} started {r.Started:HH:mm:ss.fff} on {r.Node}")));
        ClusterNodes.Report($"takeover after SIGKILL: {tookOver.TotalSeconds:0.0} s (check-in {ClusterNodes.Checkin.TotalSeconds} s, threshold " +
            $"{ClusterNodes.CheckinThreshold.TotalSeconds} s); added check scheduled after {scheduled.TotalMilliseconds:0} ms; results " +
            $"{await cluster.Data.QueryValueAsync<long>("SELECT count(*) FROM results")}, fires run twice: none");
        Assert.DoesNotContain("   at ", b.Process.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_PostgresAwayUnderAWorker_FiringPausesAndResumesWhenItReturns()
    {
        // A cluster of the test's own: the shared one keeps serving the other tests.
        await using var own = new PostgresCluster();
        await own.InitializeAsync();
        await using var cluster = await ClusterNodes.CreateAsync(own);
        using var listener = new CountingListener();
        for (var i = 1; i <= 3; i++)
        {
            cluster.Work.Write($"checks/p{i}.json", $$"""{ "id": "p{{i}}", "type": "tcp", "target": "{{listener.EndPoint}}", "interval": "1s" }""");
        }

        var worker = cluster.Start("worker-solo", "worker");
        await Eventually.WaitAsync(async () => await cluster.Data.QueryValueAsync<long>(
            "SELECT count(*) FROM (SELECT check_id FROM results GROUP BY check_id HAVING count(*) >= 3) AS ran") == 3,
            Bound, "three results of every check" + Environment.NewLine + worker.Process.Output);
        var steady = await cluster.Data.QueryValueAsync<DateTime>("SELECT now()");

        // PostgreSQL away for longer than the check-in interval and its threshold: the clustered store cannot fire.
        await own.StopServerAsync();
        var outage = Stopwatch.StartNew();
        await Eventually.WaitAsync(async () => (await worker.Http.GetAsync("/readyz")).StatusCode == HttpStatusCode.ServiceUnavailable,
            Bound, "/readyz to say that the database is away");
        var runsAway = ClusterNodes.Sum(await worker.Http.GetStringAsync("/metrics"), "sentinel_probe_runs_total");
        var held = ClusterNodes.Checkin + ClusterNodes.CheckinThreshold + TimeSpan.FromSeconds(2);
        await Eventually.WaitAsync(() => outage.Elapsed > held, held + Bound, "the outage to last");
        var runsBack = ClusterNodes.Sum(await worker.Http.GetStringAsync("/metrics"), "sentinel_probe_runs_total");
        await own.StartServerAsync();
        var back = Stopwatch.StartNew();
        var returned = DateTime.UtcNow;

        await Eventually.WaitAsync(async () => await cluster.Data.QueryValueAsync<long>(
            "SELECT count(DISTINCT check_id) FROM results WHERE started_at > @returned", new { returned }) == 3,
            Bound, "every check running again" + Environment.NewLine + worker.Process.Output);
        var resumed = back.Elapsed;
        await Eventually.WaitAsync(async () => await cluster.Data.QueryValueAsync<long>(
            "SELECT count(*) FROM results WHERE started_at > @returned", new { returned }) >= 3 * 3, Bound, "three runs a check after the return");

        // Fires already handed to the probes when the database went finish; nothing else runs while it is away.
        Assert.True(runsBack - runsAway <= 3, $"{runsBack - runsAway} runs with the database away for {held.TotalSeconds:0} s");
        Assert.False(worker.Process.HasExited, worker.Process.Output);
        Assert.Empty(FiresRunTwice(await RunsSinceAsync(cluster, steady)));
        ClusterNodes.Report($"runs with PostgreSQL away {runsBack - runsAway}; firing resumed {resumed.TotalSeconds:0.0} s after it returned");
    }

    /// <summary>The runs started after <paramref name="since"/>, in the order they started, with the fire each was planned for.</summary>
    private static Task<IReadOnlyList<Run>> RunsSinceAsync(ClusterNodes cluster, DateTime since) => cluster.Data.QueryListAsync<Run>(
        "SELECT check_id, scheduled_at, started_at, node FROM results WHERE started_at > @since ORDER BY started_at", new { since });

    /// <summary>
    /// The fires of a check that ran more than once among <paramref name="runs"/>: a fire is the check and the time it was
    /// planned for, which each scheduled run stores (<c>scheduled_at</c>), whichever node ran it and however late it
    /// started (up to the misfire threshold, so a late run may start after the next fire's time).
    /// </summary>
    private static List<string> FiresRunTwice(IReadOnlyList<Run> runs)
    {
        Assert.All(runs, r => Assert.True(r.Planned is not null, $"{r.Check} at {r.Started:HH:mm:ss.fff} on {r.Node} has no planned fire time"));
        return runs
            .GroupBy(r => (r.Check, r.Planned))
            .Where(g => g.Count() > 1)
            .Select(g => $"{g.Key.Check} planned for {g.Key.Planned:HH:mm:ss.fff}: {string.Join(", ", g.Select(r => $"{r.Started:HH:mm:ss.fff} on {r.Node}"))}")
            .ToList();
    }
}

using System.Globalization;
using System.Text.RegularExpressions;
using Npgsql;
using Sentinel.Testing;
using Sentinel.Worker.Storage;
using Xunit;

namespace Sentinel.EndToEnd.Tests.Storage;

/// <summary>
/// <c>sentinel run</c> as a child process over a PostgreSQL cluster of the test's own, which the test stops and starts
/// (the shared cluster must keep serving the other tests), with checks of a closed port every second. Each run of such
/// a check counts in the daemon's own <c>sentinel_probe_failures_total{category="tcp_refused"}</c>, so the number of
/// runs is read from what the daemon did, not guessed from the clock. The daemon runs in a work directory of its own,
/// where its spill file takes its default place, <c>.sentinel/spill</c>.
/// </summary>
internal sealed partial class OutageDaemon : IAsyncDisposable
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);

    private readonly string _listen = $"http://127.0.0.1:{TcpPorts.Free()}";

    private OutageDaemon(PostgresCluster cluster, string database, IReadOnlyList<string> checks)
    {
        Cluster = cluster;
        Database = database;
        Checks = checks;
        Data = NpgsqlDataSource.Create(database);
        Http = new HttpClient { BaseAddress = new Uri(_listen), Timeout = TimeSpan.FromSeconds(10) };
        var closed = TcpPorts.Closed();
        foreach (var id in checks)
        {
            Work.Write($"checks/{id}.json", $$"""{ "id": "{{id}}", "type": "tcp", "target": "127.0.0.1:{{closed}}", "interval": "1s" }""");
        }
    }

    public PostgresCluster Cluster { get; }

    public string Database { get; }

    public IReadOnlyList<string> Checks { get; }

    public TempDirectory Work { get; } = new("sentinel-outage");

    public NpgsqlDataSource Data { get; }

    public HttpClient Http { get; }

    public SentinelProcess Sentinel { get; private set; } = null!;

    /// <summary>The spill file's default place under the daemon's working directory.</summary>
    public string SpillDirectory => Path.Combine(Work.Path, ".sentinel", "spill");

    public static async Task<OutageDaemon> StartAsync(int checks)
    {
        var cluster = new PostgresCluster();
        await cluster.InitializeAsync();
        var daemon = new OutageDaemon(cluster, await cluster.CreateDatabaseAsync(), Enumerable.Range(1, checks).Select(i => $"outage-{i}").ToList());
        daemon.StartSentinel();
        return daemon;
    }

    /// <summary>Starts <c>sentinel run</c> (again, after a kill: same work directory, same spill file).</summary>
    public void StartSentinel() =>
        Sentinel = SentinelProcess.Start(Work.Path, null, "run", "--checks", "checks", "--database", Database, "--listen", _listen, "--node", "outage");

    public async Task<string> MetricsAsync() => await Http.GetStringAsync("/metrics");

    public async Task<(int Status, string Body)> ReadyAsync()
    {
        using var response = await Http.GetAsync("/readyz");
        return ((int)response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    /// <summary>
    /// Each check's runs so far and the start of its last (Unix seconds, to the millisecond), read from two scrapes in a
    /// row that agree, so that no run fell between the two series of one scrape.
    /// </summary>
    public async Task<Dictionary<string, (long Runs, double LastRun)>> RunsAsync()
    {
        Dictionary<string, (long, double)>? previous = null;
        return await Eventually.ValueAsync(async () =>
        {
            var metrics = await MetricsAsync();
            var current = Checks.ToDictionary(id => id, id => (
                (long)(Series(metrics, "sentinel_probe_failures_total", id, "category=\"tcp_refused\"") ?? -1),
                Series(metrics, "sentinel_check_last_run_timestamp_seconds", id) ?? -1));
            var agreed = previous is not null && current.All(c => c.Value.Item1 >= 0 && previous[c.Key] == c.Value);
            previous = current;
            return agreed ? current : null;
        }, TimeSpan.FromSeconds(30), "two scrapes that agree on every check's runs");
    }

    /// <summary>Rows of <paramref name="check"/> whose run started up to <paramref name="lastRun"/> (a run's start as the metric has it).</summary>
    public Task<long> RowsUpToAsync(string check, double lastRun) => Data.QueryValueAsync<long>(
        "SELECT count(*) FROM results WHERE check_id = @check AND started_at < to_timestamp(@lastRun) + interval '500 milliseconds'",
        new { check, lastRun });

    /// <summary>Rows stored twice (by id): must be none.</summary>
    public Task<long> DuplicatesAsync() => Data.QueryValueAsync<long>("SELECT count(*) - count(DISTINCT id) FROM results");

    /// <summary>The longest time between two consecutive runs of a check, in seconds, among runs from <paramref name="from"/> to <paramref name="to"/>.</summary>
    public Task<double> MaxGapAsync(double from, double to) => Data.QueryValueAsync<double>("""
        SELECT coalesce(max(gap), 0) FROM (
            SELECT extract(epoch FROM started_at - lag(started_at) OVER (PARTITION BY check_id ORDER BY started_at))::float8 AS gap
            FROM results WHERE started_at BETWEEN to_timestamp(@from) AND to_timestamp(@to)) AS gaps
        """, new { from, to });

    /// <summary>The rows in the spill file now, read as replay reads them (a line being written is not one yet).</summary>
    public List<ResultRow> SpilledRows()
    {
        if (!Directory.Exists(SpillDirectory))
        {
            return [];
        }

        var rows = new List<ResultRow>();
        foreach (var path in Directory.GetFiles(SpillDirectory, "*" + ResultSpill.SegmentExtension).Order(StringComparer.Ordinal))
        {
            using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var reader = new StreamReader(file);
            while (reader.ReadLine() is { } line)
            {
                if (ResultRow.FromSpillLine(System.Text.Encoding.UTF8.GetBytes(line)) is { } row)
                {
                    rows.Add(row);
                }
            }
        }

        return rows;
    }

    /// <summary>
    /// The value of <paramref name="metric"/> for <paramref name="check"/> (named by whichever label holds the check's
    /// id), with <paramref name="label"/> among its labels when given; a node-level series when <paramref name="check"/> is null.
    /// </summary>
    public static double? Series(string metrics, string metric, string? check = null, string? label = null)
    {
        foreach (Match match in SeriesLine().Matches(metrics))
        {
            var labels = match.Groups["labels"].Value;
            if (match.Groups["name"].Value == metric
                && (check is null || labels.Contains($"=\"{check}\"", StringComparison.Ordinal))
                && (label is null || labels.Contains(label, StringComparison.Ordinal)))
            {
                return double.Parse(match.Groups["value"].Value, CultureInfo.InvariantCulture);
            }
        }

        return null;
    }

    /// <summary>Writes a figure to the test's output, for the record of what the run did.</summary>
    public static void Report(string line) => TestContext.Current.TestOutputHelper?.WriteLine(line);

    public async ValueTask DisposeAsync()
    {
        if (Sentinel is not null)
        {
            await Sentinel.DisposeAsync();
        }

        Http.Dispose();
        await Data.DisposeAsync();
        await Cluster.DisposeAsync();
        Work.Dispose();
    }

    [GeneratedRegex(@"^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?<labels>[^}]*)\})? (?<value>\S+)", RegexOptions.Multiline)]
    private static partial Regex SeriesLine();
}

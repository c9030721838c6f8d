using System.Globalization;
using System.Net.Http.Headers;
using System.Text.RegularExpressions;
using Npgsql;
using Sentinel.Testing;
using Xunit;

namespace Sentinel.EndToEnd.Tests.Cluster;

/// <summary>
/// Real <c>sentinel run</c> processes over one database: worker nodes sharing a checks folder, and API nodes. The
/// workers check in every <see cref="Checkin"/> and are taken for dead <see cref="CheckinThreshold"/> after a missed
/// check-in, so that a takeover fits in a test.
/// </summary>
internal sealed partial class ClusterNodes : IAsyncDisposable
{
    public static readonly TimeSpan Checkin = TimeSpan.FromSeconds(2);

    public static readonly TimeSpan CheckinThreshold = TimeSpan.FromSeconds(1);

    private readonly List<Node> _nodes = [];

    private ClusterNodes(string database)
    {
        Database = database;
        Data = NpgsqlDataSource.Create(database);
    }

    public string Database { get; }

    public NpgsqlDataSource Data { get; }

    public TempDirectory Work { get; } = new("sentinel-cluster");

    public string ChecksDirectory => Path.Combine(Work.Path, "checks");

    public static async Task<ClusterNodes> CreateAsync(PostgresCluster postgres) => new(await postgres.CreateDatabaseAsync());

    /// <summary>The sum of every series of <paramref name="metric"/> in a scrape.</summary>
    public static double Sum(string metrics, string metric) => SeriesLine().Matches(metrics)
        .Where(m => m.Groups["name"].Value == metric)
        .Sum(m => double.Parse(m.Groups["value"].Value, CultureInfo.InvariantCulture));

    /// <summary>Starts a node of <paramref name="role"/> named <paramref name="name"/>; returns it and its base address.</summary>
    public Node Start(string name, string role)
    {
        var listen = $"http://127.0.0.1:{TcpPorts.Free()}";
        var environment = new Dictionary<string, string>
        {
            ["Sentinel__Scheduling__CheckinInterval"] = Checkin.ToString("c", CultureInfo.InvariantCulture),
            ["Sentinel__Scheduling__CheckinMisfireThreshold"] = CheckinThreshold.ToString("c", CultureInfo.InvariantCulture),
        };
        // Each node has its own working directory, and so its own spill file.
        var directory = Path.Combine(Work.Path, name);
        Directory.CreateDirectory(directory);
        var process = SentinelProcess.Start(directory, environment, "run", "--role", role, "--node", name, "--checks", ChecksDirectory,
            "--database", Database, "--listen", listen);
        var node = new Node(name, process, new HttpClient { BaseAddress = new Uri(listen), Timeout = TimeSpan.FromSeconds(10) });
        _nodes.Add(node);
        return node;
    }

    /// <summary>Creates a write key with <c>sentinel apikey create</c>; returns the key.</summary>
    public async Task<string> CreateKeyAsync()
    {
        var (code, output) = await SentinelProcess.RunAsync(Work.Path, TimeSpan.FromSeconds(60), "apikey", "create", "--name", "cluster", "--scope", "write", "--database", Database);
        Assert.True(code == 0, output);
        return output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).First(l => !l.StartsWith("Created", StringComparison.Ordinal));
    }

    /// <summary>The number of series of <paramref name="metric"/> per check (its <c>job</c> label) in a scrape.</summary>
    public static Dictionary<string, int> SeriesPerCheck(string metrics, string metric)
    {
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (Match match in SeriesLine().Matches(metrics))
        {
            if (match.Groups["name"].Value == metric && JobLabel().Match(match.Groups["labels"].Value) is { Success: true } job)
            {
                counts[job.Groups[1].Value] = counts.GetValueOrDefault(job.Groups[1].Value) + 1;
            }
        }

        return counts;
    }

    /// <summary>Writes a figure to the test's output, for the record of what the run did.</summary>
    public static void Report(string line) => TestContext.Current.TestOutputHelper?.WriteLine(line);

    public async ValueTask DisposeAsync()
    {
        foreach (var node in _nodes)
        {
            await node.Process.DisposeAsync();
            node.Http.Dispose();
        }

        await Data.DisposeAsync();
        Work.Dispose();
    }

    [GeneratedRegex(@"^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?<labels>[^}]*)\})? (?<value>\S+)", RegexOptions.Multiline)]
    private static partial Regex SeriesLine();

    [GeneratedRegex("(?:^|,)job=\"([^\"]*)\"")]
    private static partial Regex JobLabel();

    /// <summary>One node: its name, its process, and a client of its HTTP endpoints.</summary>
    public sealed record Node(string Name, SentinelProcess Process, HttpClient Http)
    {
        public void Authorize(string key) => Http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
    }
}

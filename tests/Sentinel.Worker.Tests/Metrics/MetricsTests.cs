using System.Text.RegularExpressions;
using Sentinel.Testing;
using Xunit;

namespace Sentinel.Worker.Tests.Metrics;

/// <summary>/metrics as Prometheus scrapes it from the running daemon.</summary>
[Collection(DaemonHostTests.Name)]
public sealed partial class MetricsTests(PostgresCluster postgres)
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Metrics_EachCheck_HasProbeSuccessWithItsLabels()
    {
        using var listener = new CountingListener();
        var closed = TcpPorts.Closed();
        await using var host = await SentinelTestHost.StartAsync(postgres, dir =>
        {
            dir.Write("up.json", Checks.CheckFileSyncTests.Tcp("up", listener.EndPoint.ToString(), "1s"));
            dir.Write("down.json", Checks.CheckFileSyncTests.Tcp("down", $"127.0.0.1:{closed}", "1s"));
        });

        var metrics = await Eventually.ValueAsync(async () =>
        {
            var text = await host.MetricsAsync();
            return Value(text, "probe_success", "up") is not null && Value(text, "probe_success", "down") is not null ? text : null;
        }, Bound, "probe_success for both checks");

        Assert.Equal(1, Value(metrics, "probe_success", "up"));
        Assert.Equal(0, Value(metrics, "probe_success", "down"));
        Assert.Contains($"probe_success{{instance=\"{listener.EndPoint}\",job=\"up\",type=\"tcp\"}} 1\n", metrics, StringComparison.Ordinal);
        Assert.DoesNotContain("otel_scope", metrics, StringComparison.Ordinal);
        Assert.DoesNotContain("target_info", metrics, StringComparison.Ordinal);
        Assert.Matches($"sentinel_probe_failures_total\\{{[^}}]*job=\"down\"[^}}]*category=\"tcp_refused\"[^}}]*\\}} [1-9]", metrics);
        Assert.Matches("sentinel_check_status\\{[^}]*job=\"down\"[^}]*status=\"down\"[^}]*\\} 1", metrics);
        Assert.Matches("sentinel_probe_phase_duration_seconds\\{[^}]*job=\"up\"[^}]*phase=\"connect\"[^}]*\\} [0-9.eE+-]+", metrics);
        Assert.NotNull(Value(metrics, "probe_duration_seconds", "up"));
        Assert.NotNull(Value(metrics, "sentinel_check_last_run_timestamp_seconds", "up"));
    }

    [Fact]
    public async Task Metrics_CheckRemoved_ItsSeriesDisappear()
    {
        using var listener = new CountingListener();
        await using var host = await SentinelTestHost.StartAsync(postgres, dir =>
        {
            dir.Write("keep.json", Checks.CheckFileSyncTests.Tcp("keep", listener.EndPoint.ToString(), "1s"));
            dir.Write("gone.json", Checks.CheckFileSyncTests.Tcp("gone", listener.EndPoint.ToString(), "1s"));
        });
        await Eventually.WaitAsync(async () =>
        {
            var metrics = await host.MetricsAsync();
            return Value(metrics, "probe_success", "gone") is not null && Value(metrics, "probe_success", "keep") is not null;
        }, Bound, "series of checks gone and keep");

        File.Delete(Path.Combine(host.Checks.Path, "gone.json"));

        await Eventually.WaitAsync(async () => !(await host.MetricsAsync()).Contains("job=\"gone\"", StringComparison.Ordinal), Bound, "every series of check gone to disappear");
        Assert.NotNull(Value(await host.MetricsAsync(), "probe_success", "keep"));
    }

    [Fact]
    public async Task Metrics_ScrapedByPrometheusWithTheExampleConfiguration_KeepTheCheckLabels()
    {
        Assert.SkipUnless(PrometheusServer.IsInstalled, "Prometheus is not installed (test.sh installs it)");
        using var listener = new CountingListener();
        await using var host = await SentinelTestHost.StartAsync(postgres, dir =>
            dir.Write("up.json", Checks.CheckFileSyncTests.Tcp("up", listener.EndPoint.ToString(), "1s")));
        await using var prometheus = await PrometheusServer.StartAsync(new Uri(host.BaseUrl).Authority, ScrapeConfiguration());

        var series = await Eventually.ValueAsync(async () =>
        {
            var result = await prometheus.QueryAsync("probe_success{job=\"up\"}");
            return result.Count == 1 ? result : null;
        }, TimeSpan.FromSeconds(30), "Prometheus to ingest probe_success of check up");

        // honor_labels: the check's own job and instance, not the scrape's; Sentinel's own series get the scrape's.
        Assert.Equal("1", series[0].Value);
        Assert.Equal(("tcp", listener.EndPoint.ToString(), "up"), (series[0].Labels["type"], series[0].Labels["instance"], series[0].Labels["job"]));
        Assert.Equal(("up", ""), await prometheus.TargetAsync());
        var build = await Eventually.ValueAsync(async () => (await prometheus.QueryAsync("sentinel_build_info")) is { Count: 1 } r ? r : null, TimeSpan.FromSeconds(30), "sentinel_build_info");
        Assert.Equal(("sentinel", new Uri(host.BaseUrl).Authority), (build[0].Labels["job"], build[0].Labels["instance"]));
    }

    [Fact]
    public async Task Healthz_And_Readyz_Answer()
    {
        await using var host = await SentinelTestHost.StartAsync(postgres);

        Assert.Equal("""{"status":"alive","reason":null}""", await host.Http.GetStringAsync("/healthz"));
        await Eventually.WaitAsync(async () => (await host.Http.GetAsync("/readyz")).IsSuccessStatusCode, Bound, "/readyz to answer 200");
        Assert.Contains($"schema at {Worker.Storage.Migrations.Latest}", await host.Http.GetStringAsync("/readyz"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Readyz_DatabaseUnreachable_Answers503WithTheReasonWhileHealthzStaysUp()
    {
        using var nowhere = new TempDirectory();
        await using var host = await SentinelTestHost.StartAsync(postgres, connectionString: $"Host={nowhere.Path};Username=sentinel;Database=sentinel;Timeout=2");

        await Eventually.WaitAsync(() => host.Logs.Lines.Any(l => l.Message.StartsWith("Database not ready: ", StringComparison.Ordinal)), Bound, "the retry to be logged");

        var response = await host.Http.GetAsync("/readyz");
        Assert.Equal(System.Net.HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.StartsWith("{\"status\":\"not ready\",\"reason\":\"database not ready: ", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.True((await host.Http.GetAsync("/healthz")).IsSuccessStatusCode);
    }

    [Fact]
    public async Task Metrics_ResultsWritten_StorageSeriesCountThemAndNothingWaits()
    {
        await using var host = await SentinelTestHost.StartAsync(postgres, dir => dir.Write("down.json", Checks.CheckFileSyncTests.Tcp("down", $"127.0.0.1:{TcpPorts.Closed()}", "1s")));

        var metrics = await Eventually.ValueAsync(async () =>
        {
            var text = await host.MetricsAsync();
            return NodeValue(text, "sentinel_results_written_total") >= 2 && NodeValue(text, "sentinel_results_buffered") == 0 ? text : null;
        }, Bound, "two results written and none waiting");

        Assert.Equal(1, NodeValue(metrics, "sentinel_storage_up"));
        Assert.True(NodeValue(metrics, "sentinel_result_write_seconds_count") >= 2, metrics);
        Assert.True(NodeValue(metrics, "sentinel_result_write_seconds_sum") > 0, metrics);
        Assert.Equal(0, NodeValue(metrics, "sentinel_results_spilled_total") ?? 0);
        Assert.All(new[] { "buffer_full", "spill_full", "spill_corrupt", "rejected", "spill_error" },
            reason => Assert.Equal(0, NodeValue(metrics, "sentinel_results_dropped_total", $"reason=\"{reason}\"")));
        Assert.True(await host.Database.QueryValueAsync<long>("SELECT count(*) FROM results") >= 2);
    }

    [Fact]
    public async Task Metrics_DatabaseNeverReady_StorageIsDown()
    {
        using var nowhere = new TempDirectory();
        await using var host = await SentinelTestHost.StartAsync(postgres, connectionString: $"Host={nowhere.Path};Username=sentinel;Database=sentinel;Timeout=2");

        await Eventually.WaitAsync(() => host.Logs.Lines.Any(l => l.Message.StartsWith("Database not ready: ", StringComparison.Ordinal)), Bound, "the retry to be logged");

        Assert.Equal(0, NodeValue(await host.MetricsAsync(), "sentinel_storage_up"));
    }

    /// <summary>The example scrape configuration the README shows (<c>dashboards/prometheus/prometheus.yml</c>).</summary>
    private static string ScrapeConfiguration([System.Runtime.CompilerServices.CallerFilePath] string here = "") =>
        Path.GetFullPath(Path.Combine(Path.GetDirectoryName(here)!, "..", "..", "..", "dashboards", "prometheus", "prometheus.yml"));

    /// <summary>The value of <paramref name="metric"/> for <paramref name="check"/>, or null when there is no such series.</summary>
    internal static double? Value(string metrics, string metric, string check)
    {
        var match = Regex.Match(metrics, $"^{Regex.Escape(metric)}\\{{[^}}]*job=\"{Regex.Escape(check)}\"[^}}]*\\}} (\\S+)", RegexOptions.Multiline);
        return match.Success ? double.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) : null;
    }

    /// <summary>The value of a node-level series (with <paramref name="label"/> among its labels, when given), or null.</summary>
    internal static double? NodeValue(string metrics, string metric, string? label = null)
    {
        var labels = label is null ? "(\\{[^}]*\\})?" : $"\\{{[^}}]*{Regex.Escape(label)}[^}}]*\\}}";
        var match = Regex.Match(metrics, $"^{Regex.Escape(metric)}{labels} (\\S+)", RegexOptions.Multiline);
        return match.Success ? double.Parse(match.Groups[match.Groups.Count - 1].Value, System.Globalization.CultureInfo.InvariantCulture) : null;
    }
}

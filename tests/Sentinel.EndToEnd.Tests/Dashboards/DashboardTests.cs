using System.Text.Json;
using System.Text.RegularExpressions;
using Sentinel.Testing;
using Xunit;

namespace Sentinel.EndToEnd.Tests.Dashboards;

/// <summary>
/// The shipped dashboards and scrape configuration against the real thing: <c>sentinel run</c>, as its own process,
/// runs a check of every type (<see cref="CheckFleet"/>); a real Prometheus scrapes it every second with
/// <c>dashboards/prometheus/prometheus.yml</c>; every PromQL expression of every panel of every dashboard, its
/// variables substituted as Grafana does for "All", returns series, and so do the queries of dashboards made for
/// blackbox_exporter. The same /metrics passes <c>promtool check metrics</c> and matches the README's table.
/// </summary>
public sealed partial class DashboardTests(PostgresCluster postgres, ITestOutputHelper output)
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task Dashboards_FleetOfEveryTypeScrapedByPrometheus_EveryPanelAndVariableReturnsSeries()
    {
        Assert.SkipUnless(PrometheusServer.IsInstalled && File.Exists("/usr/bin/promtool"), "Prometheus is not installed (test.sh installs it)");
        await using var fleet = await CheckFleet.StartAsync();
        using var work = new TempDirectory("sentinel-dashboards");
        var root = work.Write("root.pem", fleet.RootPem);
        var files = fleet.Checks(root, TcpPorts.Closed());
        foreach (var (file, json) in files)
        {
            work.Write(Path.Combine("checks", file), json);
        }

        var checks = files.Select(f => JsonDocument.Parse(f.Json).RootElement).Select(c => (
            Id: c.GetProperty("id").GetString()!, Type: c.GetProperty("type").GetString()!, Target: c.GetProperty("target").GetString()!,
            Labels: c.GetProperty("labels").EnumerateObject().Select(p => p.Name).ToList())).ToList();
        var ids = checks.Select(c => c.Id).ToHashSet();
        var listen = $"http://127.0.0.1:{TcpPorts.Free()}";
        // A notification channel, so that its delivery counters are exported (at 0: no check routes alerts to it).
        var channel = new Dictionary<string, string>
        {
            ["SENTINEL__ALERTING__CHANNELS__ops__TYPE"] = "webhook",
            ["SENTINEL__ALERTING__CHANNELS__ops__URL"] = $"http://127.0.0.1:{TcpPorts.Free()}/hook",
            ["SENTINEL__ALERTING__CHANNELS__ops__SECRET"] = "dashboard-test-secret",
        };
        await using var sentinel = SentinelProcess.Start(work.Path, channel,
            "run", "--checks", Path.Combine(work.Path, "checks"), "--database", await postgres.CreateDatabaseAsync(), "--listen", listen);
        using var http = new HttpClient { BaseAddress = new Uri(listen), Timeout = TimeSpan.FromSeconds(10) };

        // Every check has a result on /metrics, and every series the README lists is there: some appear only once a
        // check of their type got an answer (the Last-Modified date, the reply's hop limit), which a run cut short by
        // a busy machine's timeout does not have.
        var documented = DashboardFiles.ReadmeMetrics().Keys.ToList();
        var metrics = await Eventually.ValueAsync(async () =>
        {
            var text = await http.GetStringAsync("/metrics");
            var reported = InfoJobs().Matches(text).Select(m => m.Groups[1].Value).ToHashSet();
            var names = SampleLine().Matches(text).Select(m => HistogramSuffix().Replace(m.Groups[1].Value, "")).ToHashSet(StringComparer.Ordinal);
            return reported.SetEquals(ids) && documented.All(names.Contains) ? text : null;
        }, Bound, "a result of every check of the fleet, and every series the README lists, on /metrics" + Environment.NewLine + sentinel.Output);

        await Promtool(metrics, "check", "metrics");
        AssertReadmeTableMatches(metrics, checks.SelectMany(c => c.Labels).ToHashSet());
        var report = new List<string> { "/metrics, a few lines of each check type:" };
        report.AddRange(ExcerptPerType(metrics, checks.Select(c => (c.Id, c.Type))));

        await using var prometheus = await PrometheusServer.StartAsync(new Uri(listen).Authority, DashboardFiles.ScrapeConfiguration);
        await Eventually.WaitAsync(async () => (await prometheus.QueryAsync("sentinel_check_info")).Count == ids.Count, TimeSpan.FromSeconds(30), "Prometheus to ingest every check's info series");
        Assert.Equal(("up", ""), await prometheus.TargetAsync());

        // Checks that share a target stay apart: each has its own job, and its type.
        var shared = await prometheus.QueryAsync($"probe_success{{instance=\"{fleet.TlsTarget}\"}}");
        Assert.Equal(["tls-port", "web-cert", "web-cert-untrusted"], shared.Select(s => s.Labels["job"]).Order(StringComparer.Ordinal));
        Assert.Equal(["tcp", "tls"], shared.Select(s => s.Labels["type"]).Distinct().Order(StringComparer.Ordinal));

        // Variables: label_values queries; job lists each check once, type and instance each value once.
        var variables = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        foreach (var (dashboard, variable, label, match) in DashboardFiles.Variables())
        {
            var values = await prometheus.LabelValuesAsync(label, DashboardFiles.Substitute(match, variables));
            report.Add($"{dashboard,-13} variable {variable,-9} {values.Count,3} values: {string.Join(", ", values)}");
            variables[variable] = values;
        }

        Assert.Equal(ids.Order(StringComparer.Ordinal), variables["job"]);
        Assert.Equal(checks.Select(c => c.Type).Distinct().Order(StringComparer.Ordinal), variables["type"]);
        Assert.Equal(checks.Select(c => c.Target).Distinct().Order(StringComparer.Ordinal), variables["instance"]);
        Assert.Single(variables["node"]);

        // Panels, Sentinel's and blackbox_exporter's: every expression returns series once rates have two samples.
        var panels = DashboardFiles.Panels().ToList();
        var blackbox = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal)
        {
            ["instance"] = await prometheus.LabelValuesAsync("instance", BlackboxDashboardQueries.InstanceVariable),
            ["job"] = await prometheus.LabelValuesAsync("job", BlackboxDashboardQueries.InstanceVariable),
        };
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        try
        {
            await Eventually.WaitAsync(async () =>
            {
                foreach (var (_, _, expr) in panels)
                {
                    counts[expr] = (await prometheus.QueryAsync(DashboardFiles.Substitute(expr, variables))).Count;
                }

                foreach (var expr in BlackboxDashboardQueries.Panels)
                {
                    counts[expr] = (await prometheus.QueryAsync(DashboardFiles.Substitute(expr, blackbox))).Count;
                }

                return counts.Values.All(c => c > 0);
            }, TimeSpan.FromSeconds(60), "every panel's expression to return series");
        }
        finally
        {
            foreach (var (dashboard, title, expr) in panels)
            {
                report.Add($"{counts.GetValueOrDefault(expr),4} series  {dashboard,-13} {title}: {expr}");
            }

            report.Add($"blackbox_exporter dashboards: variable instance {blackbox["instance"].Count} values, job {blackbox["job"].Count} values");
            foreach (var expr in BlackboxDashboardQueries.Panels)
            {
                report.Add($"{counts.GetValueOrDefault(expr),4} series  blackbox      {expr}");
            }

            // Printed, and kept beside the test assembly for a passing run, whose output the runner does not show.
            report.ForEach(output.WriteLine);
            await File.WriteAllLinesAsync(Path.Combine(AppContext.BaseDirectory, "dashboard-panels.txt"), report);
        }

        // A blackbox_exporter dashboard's target picker offers every target, and no check collapses into another.
        Assert.Equal(variables["instance"], blackbox["instance"]);
        Assert.Equal(ids.Order(StringComparer.Ordinal), blackbox["job"]);
        Assert.Equal(ids.Count, counts["probe_success{instance=~\"$instance\"}"]);
        var httpTargets = checks.Where(c => c.Type is "http" or "headers").Select(c => c.Target).Distinct().Count();
        Assert.Equal(httpTargets, counts["sum(probe_http_duration_seconds{instance=~\"$instance\"}) by (instance)"]);
        Assert.Equal(5, counts["sum(probe_http_duration_seconds{instance=~\"$instance\"}) by (phase)"]);
    }

    [Fact]
    public async Task Rules_ShippedAlertingRulesAndScrapeConfiguration_PassPromtool()
    {
        Assert.SkipUnless(File.Exists("/usr/bin/promtool"), "promtool is not installed (test.sh installs it)");
        await Promtool(null, "check", "rules", DashboardFiles.Rules);
        await Promtool(null, "check", "config", DashboardFiles.ScrapeConfiguration);
    }

    [Fact]
    public void Dashboards_EveryDashboard_HasADatasourceVariableAndPanelsOnIt()
    {
        foreach (var file in Directory.GetFiles(DashboardFiles.Folder, "*.json"))
        {
            using var document = JsonDocument.Parse(File.ReadAllText(file));
            var variables = document.RootElement.GetProperty("templating").GetProperty("list").EnumerateArray().ToList();
            Assert.Contains(variables, v => v.GetProperty("name").GetString() == "datasource" && v.GetProperty("type").GetString() == "datasource" && v.GetProperty("query").GetString() == "prometheus");
            Assert.All(document.RootElement.GetProperty("panels").EnumerateArray().Where(p => p.GetProperty("type").GetString() != "row"),
                p => Assert.Equal("${datasource}", p.GetProperty("datasource").GetProperty("uid").GetString()));
        }
    }

    [Fact]
    public void Expressions_EveryPanelRuleAndBlackboxQuery_NamesOnlySeriesTheReadmeLists()
    {
        // The README's table is held equal to /metrics by the end-to-end test, so a name outside it is a series
        // Sentinel does not export: a panel that would show "No data", or a rule that would never fire.
        var documented = DashboardFiles.ReadmeMetrics().Keys.ToHashSet(StringComparer.Ordinal);
        var expressions = DashboardFiles.Panels().Select(p => ($"{p.Dashboard} / {p.Title}", p.Expr))
            .Concat(DashboardFiles.RuleExpressions().Select(e => ("rules.yml", e)))
            .Concat(BlackboxDashboardQueries.Panels.Select(e => ("blackbox_exporter dashboards", e)))
            .Concat(DashboardFiles.Variables().Select(v => ($"{v.Dashboard} variable {v.Name}", v.Match)))
            .ToList();
        Assert.Contains(expressions, e => e.Item1 == "rules.yml");
        foreach (var (where, expr) in expressions)
        {
            var named = DashboardFiles.SeriesNamed(expr).ToList();
            Assert.True(named.Count > 0, $"{where}: {expr} names no Sentinel series");
            Assert.All(named, name => Assert.True(documented.Contains(name), $"{where}: {expr} names {name}, which Sentinel does not export"));
        }
    }

    /// <summary>
    /// The README's metrics table against /metrics: the same metric names, each with the same label names (the table
    /// lists a check series' labels beyond instance, job and type; the info series also carries the checks' own labels).
    /// </summary>
    private static void AssertReadmeTableMatches(string metrics, IReadOnlySet<string> userLabels)
    {
        var table = DashboardFiles.ReadmeMetrics();
        var exported = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        foreach (Match sample in SampleLine().Matches(metrics))
        {
            var name = HistogramSuffix().Replace(sample.Groups[1].Value, "");
            var labels = LabelName().Matches(sample.Groups[2].Value).Select(m => m.Groups[1].Value).Where(l => l != "le");
            (exported.TryGetValue(name, out var set) ? set : exported[name] = new HashSet<string>(StringComparer.Ordinal)).UnionWith(labels);
        }

        Assert.True(table.Keys.ToHashSet().SetEquals(exported.Keys),
            $"on /metrics but not in the README: [{string.Join(", ", exported.Keys.Except(table.Keys).Order())}]; in the README but not on /metrics: [{string.Join(", ", table.Keys.Except(exported.Keys).Order())}]");
        foreach (var (name, labels) in exported)
        {
            var expected = table[name].ToHashSet();
            if (name == "sentinel_check_info")
            {
                expected.UnionWith(userLabels);
            }

            Assert.True(expected.SetEquals(labels), $"{name}: /metrics has labels [{string.Join(", ", labels.Order())}], the README [{string.Join(", ", expected.Order())}]");
        }
    }

    /// <summary>The first check of each type: its success, a few series of its type, and its info line, for the report.</summary>
    private static IEnumerable<string> ExcerptPerType(string metrics, IEnumerable<(string Id, string Type)> checks)
    {
        string[] common = ["probe_duration_seconds", "probe_dns_lookup_time_seconds", "probe_ip_protocol", "probe_ip_addr_hash", "sentinel_check_", "sentinel_probe_"];
        var lines = metrics.Split('\n');
        foreach (var (id, type) in checks.DistinctBy(c => c.Type).OrderBy(c => c.Type, StringComparer.Ordinal))
        {
            yield return $"  {type} ({id}):";
            var own = lines.Where(l => l.Contains($"job=\"{id}\"", StringComparison.Ordinal) && !l.StartsWith('#')).ToList();
            var typed = own.Where(l => !l.StartsWith("probe_success{", StringComparison.Ordinal) && !common.Any(c => l.StartsWith(c, StringComparison.Ordinal))).Take(5);
            foreach (var line in own.Where(l => l.StartsWith("probe_success{", StringComparison.Ordinal)).Concat(typed).Concat(own.Where(l => l.StartsWith("sentinel_check_info{", StringComparison.Ordinal))))
            {
                yield return "    " + line;
            }
        }
    }

    private static async Task Promtool(string? input, params string[] arguments)
    {
        var start = new System.Diagnostics.ProcessStartInfo("promtool") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var promtool = System.Diagnostics.Process.Start(start)!;
        if (input is not null)
        {
            await promtool.StandardInput.WriteAsync(input);
        }

        promtool.StandardInput.Close();
        var report = await promtool.StandardOutput.ReadToEndAsync() + await promtool.StandardError.ReadToEndAsync();
        await promtool.WaitForExitAsync();
        Assert.True(promtool.ExitCode == 0, $"promtool {string.Join(' ', arguments)}: {report}");
    }

    [GeneratedRegex("^sentinel_check_info\\{[^}]*job=\"([^\"]+)\"", RegexOptions.Multiline)]
    private static partial Regex InfoJobs();

    [GeneratedRegex("^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\\{(.*)\\})? \\S+$", RegexOptions.Multiline)]
    private static partial Regex SampleLine();

    [GeneratedRegex("(_bucket|_sum|_count)$")]
    private static partial Regex HistogramSuffix();

    [GeneratedRegex("([a-zA-Z_][a-zA-Z0-9_]*)=\"(?:[^\"\\\\]|\\\\.)*\"")]
    private static partial Regex LabelName();
}

using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.RegularExpressions;
using Sentinel.Testing;
using Xunit;

namespace Sentinel.Worker.Tests.Metrics;

/// <summary>
/// The shipped dashboards and scrape configuration against the real thing: the daemon runs a check of every type
/// (<see cref="CheckFleet"/>), a real Prometheus scrapes it every second with <c>dashboards/prometheus/prometheus.yml</c>,
/// and every PromQL expression of every panel of every dashboard, its variables substituted as Grafana does for
/// "All", returns series. The same /metrics passes <c>promtool check metrics</c> and matches the README's table.
/// </summary>
[Collection(DaemonHostTests.Name)]
public sealed partial class DashboardTests(PostgresCluster postgres, ITestOutputHelper output)
{
    private static readonly string Root = RepositoryRoot();
    private static readonly string Dashboards = Path.Combine(Root, "dashboards");

    /// <summary>The example scrape configuration the README shows.</summary>
    internal static string ScrapeConfiguration { get; } = Path.Combine(Dashboards, "prometheus", "prometheus.yml");

    /// <summary>Series the fleet cannot show: the README lists them, but they appear only after an event.</summary>
    private static readonly HashSet<string> OnlyAfterAnEvent = new(StringComparer.Ordinal) { "sentinel_result_write_failures_total" };

    [Fact]
    public async Task Dashboards_FleetOfEveryTypeScrapedByPrometheus_EveryPanelAndVariableReturnsSeries()
    {
        Assert.SkipUnless(PrometheusServer.IsInstalled && File.Exists("/usr/bin/promtool"), "Prometheus is not installed (test.sh installs it)");
        await using var fleet = await CheckFleet.StartAsync();
        var files = new List<(string File, string Json)>();
        await using var host = await SentinelTestHost.StartAsync(postgres, dir =>
        {
            var root = dir.Write("root.pem", fleet.RootPem);
            files.AddRange(fleet.Checks(root, TcpPorts.Closed()));
            foreach (var (file, json) in files)
            {
                dir.Write(file, json);
            }
        });
        var ids = files.Select(f => JsonDocument.Parse(f.Json).RootElement.GetProperty("id").GetString()!).ToHashSet();

        // Every check has a result on /metrics, with the series of its type.
        var metrics = await Eventually.ValueAsync(async () =>
        {
            var text = await host.MetricsAsync();
            var reported = InfoJobs().Matches(text).Select(m => m.Groups[1].Value).ToHashSet();
            return reported.SetEquals(ids) && text.Contains("probe_icmp_reply_hop_limit{", StringComparison.Ordinal)
                && text.Contains("sentinel_path_hop_rate_limited{", StringComparison.Ordinal) && text.Contains("sentinel_dns_drift{", StringComparison.Ordinal)
                && text.Contains("sentinel_audit_findings{", StringComparison.Ordinal) && text.Contains("sentinel_scheduler_lag_seconds_bucket{", StringComparison.Ordinal) ? text : null;
        }, TimeSpan.FromSeconds(60), "a result of every check of the fleet on /metrics");

        await Promtool(metrics, "check", "metrics");
        AssertReadmeTableMatches(metrics, files);

        await using var prometheus = await PrometheusServer.StartAsync(new Uri(host.BaseUrl).Authority, ScrapeConfiguration);
        await Eventually.WaitAsync(async () => (await prometheus.QueryAsync("sentinel_check_info")).Count == ids.Count, TimeSpan.FromSeconds(30), "Prometheus to ingest every check's info series");

        // Checks that share a target stay apart: each has its own job, and its type.
        var shared = await prometheus.QueryAsync($"probe_success{{instance=\"{fleet.TlsTarget}\"}}");
        Assert.Equal(["tls-port", "web-cert", "web-cert-untrusted"], shared.Select(s => s.Labels["job"]).Order(StringComparer.Ordinal));
        Assert.Equal(["tcp", "tls"], shared.Select(s => s.Labels["type"]).Distinct().Order(StringComparer.Ordinal));
        Assert.Equal(("up", ""), await prometheus.TargetAsync());

        // Variables: label_values queries, each value once.
        var report = new List<string>();
        var variables = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        foreach (var (dashboard, variable, label, match) in Variables())
        {
            var values = await prometheus.LabelValuesAsync(label, Substitute(match, variables));
            report.Add($"{dashboard,-13} variable {variable,-9} {values.Count,3} values: {string.Join(", ", values)}");
            variables[variable] = values;
        }

        Assert.Equal(ids.Order(StringComparer.Ordinal), variables["job"]);
        Assert.Equal(files.Select(f => JsonDocument.Parse(f.Json).RootElement.GetProperty("type").GetString()!).Distinct().Order(StringComparer.Ordinal), variables["type"]);
        Assert.Equal(files.Select(f => JsonDocument.Parse(f.Json).RootElement.GetProperty("target").GetString()!).Distinct().Order(StringComparer.Ordinal), variables["instance"]);
        Assert.Single(variables["node"]);

        // Panels: every expression returns series once rates have two samples to work with.
        var panels = Panels().ToList();
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        try
        {
            await Eventually.WaitAsync(async () =>
            {
                foreach (var (dashboard, title, expr) in panels)
                {
                    counts[$"{dashboard} / {title} / {expr}"] = (await prometheus.QueryAsync(Substitute(expr, variables))).Count;
                }

                return counts.Values.All(c => c > 0);
            }, TimeSpan.FromSeconds(60), "every panel's expression to return series");
        }
        finally
        {
            foreach (var (dashboard, title, expr) in panels)
            {
                report.Add($"{counts.GetValueOrDefault($"{dashboard} / {title} / {expr}"),4} series  {dashboard,-13} {title}: {expr}");
            }

            // Printed, and kept beside the test assembly for a passing run, whose output the runner does not show.
            report.ForEach(output.WriteLine);
            await File.WriteAllLinesAsync(Path.Combine(AppContext.BaseDirectory, "dashboard-panels.txt"), report);
        }
    }

    [Fact]
    public async Task Rules_ShippedAlertingRules_PassPromtool()
    {
        Assert.SkipUnless(File.Exists("/usr/bin/promtool"), "promtool is not installed (test.sh installs it)");
        await Promtool(null, "check", "rules", Path.Combine(Dashboards, "prometheus", "rules.yml"));
        await Promtool(null, "check", "config", Path.Combine(Dashboards, "prometheus", "prometheus.yml"));
    }

    [Fact]
    public void Dashboards_EveryDashboard_HasADatasourceVariableAndPanelsOnIt()
    {
        foreach (var file in Directory.GetFiles(Dashboards, "*.json"))
        {
            using var document = JsonDocument.Parse(File.ReadAllText(file));
            var variables = document.RootElement.GetProperty("templating").GetProperty("list").EnumerateArray().ToList();
            Assert.Contains(variables, v => v.GetProperty("name").GetString() == "datasource" && v.GetProperty("type").GetString() == "datasource" && v.GetProperty("query").GetString() == "prometheus");
            Assert.All(document.RootElement.GetProperty("panels").EnumerateArray().Where(p => p.GetProperty("type").GetString() != "row"),
                p => Assert.Equal("${datasource}", p.GetProperty("datasource").GetProperty("uid").GetString()));
        }
    }

    /// <summary>Every panel's expressions: (dashboard file, panel title, PromQL).</summary>
    private static IEnumerable<(string Dashboard, string Title, string Expr)> Panels()
    {
        foreach (var file in Directory.GetFiles(Dashboards, "*.json").Order(StringComparer.Ordinal))
        {
            using var document = JsonDocument.Parse(File.ReadAllText(file));
            foreach (var panel in document.RootElement.GetProperty("panels").EnumerateArray().Where(p => p.TryGetProperty("targets", out _)))
            {
                foreach (var target in panel.GetProperty("targets").EnumerateArray())
                {
                    yield return (Path.GetFileNameWithoutExtension(file), panel.GetProperty("title").GetString()!, target.GetProperty("expr").GetString()!);
                }
            }
        }
    }

    /// <summary>Every query variable: (dashboard file, name, label, match) of its label_values(match, label).</summary>
    private static IEnumerable<(string Dashboard, string Name, string Label, string Match)> Variables()
    {
        foreach (var file in Directory.GetFiles(Dashboards, "*.json").Order(StringComparer.Ordinal))
        {
            using var document = JsonDocument.Parse(File.ReadAllText(file));
            foreach (var variable in document.RootElement.GetProperty("templating").GetProperty("list").EnumerateArray().Where(v => v.GetProperty("type").GetString() == "query"))
            {
                var query = LabelValues().Match(variable.GetProperty("definition").GetString()!);
                Assert.True(query.Success, $"{file}: variable {variable.GetProperty("name")} is not label_values(match, label)");
                yield return (Path.GetFileNameWithoutExtension(file), variable.GetProperty("name").GetString()!, query.Groups[2].Value, query.Groups[1].Value);
            }
        }
    }

    /// <summary>Grafana's substitution for "All": each variable as an alternation of its values; range variables fixed.</summary>
    private static string Substitute(string expr, IReadOnlyDictionary<string, IReadOnlyList<string>> variables)
    {
        expr = expr.Replace("$__rate_interval", "15s", StringComparison.Ordinal).Replace("$__range", "1m", StringComparison.Ordinal);
        return VariableReference().Replace(expr, m => variables.TryGetValue(m.Groups[1].Value, out var values)
            ? "(" + string.Join('|', values.Select(v => Regex.Escape(v).Replace("\\", "\\\\", StringComparison.Ordinal))) + ")"
            : ".*");
    }

    /// <summary>
    /// The README's metrics table against /metrics: the same metric names, each with the same label names (the table
    /// lists a check series' labels beyond instance, job and type; the info series also carries the checks' own labels).
    /// </summary>
    private static void AssertReadmeTableMatches(string metrics, IReadOnlyList<(string File, string Json)> files)
    {
        var table = ReadmeMetrics();
        var exported = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        foreach (Match sample in SampleLine().Matches(metrics))
        {
            var name = HistogramSuffix().Replace(sample.Groups[1].Value, "");
            var labels = LabelName().Matches(sample.Groups[2].Value).Select(m => m.Groups[1].Value).Where(l => l != "le");
            (exported.TryGetValue(name, out var set) ? set : exported[name] = new HashSet<string>(StringComparer.Ordinal)).UnionWith(labels);
        }

        var userLabels = files.SelectMany(f => JsonDocument.Parse(f.Json).RootElement.GetProperty("labels").EnumerateObject().Select(p => p.Name)).ToHashSet();
        var documented = table.Keys.Where(k => !OnlyAfterAnEvent.Contains(k)).ToHashSet();
        Assert.True(documented.SetEquals(exported.Keys),
            $"on /metrics but not in the README: [{string.Join(", ", exported.Keys.Except(documented).Order())}]; in the README but not on /metrics: [{string.Join(", ", documented.Except(exported.Keys).Order())}]");
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

    /// <summary>The README's metrics table: name → label names (instance, job and type for per-check rows).</summary>
    private static Dictionary<string, string[]> ReadmeMetrics()
    {
        var readme = File.ReadAllText(Path.Combine(Root, "README.md"));
        var section = readme[readme.IndexOf("\n## Metrics", StringComparison.Ordinal)..];
        section = section[..section.IndexOf("\n## ", 2, StringComparison.Ordinal)];
        var rows = new Dictionary<string, string[]>(StringComparer.Ordinal);
        foreach (Match row in TableRow().Matches(section))
        {
            var labels = Backticked().Matches(row.Groups[4].Value).Select(m => m.Groups[1].Value);
            rows[row.Groups[1].Value] = row.Groups[3].Value == "check" ? ["instance", "job", "type", .. labels] : [.. labels];
        }

        Assert.NotEmpty(rows);
        return rows;
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

    private static string RepositoryRoot([CallerFilePath] string here = "") =>
        Path.GetFullPath(Path.Combine(Path.GetDirectoryName(here)!, "..", "..", ".."));

    [GeneratedRegex("^sentinel_check_info\\{[^}]*job=\"([^\"]+)\"", RegexOptions.Multiline)]
    private static partial Regex InfoJobs();

    [GeneratedRegex("^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\\{(.*)\\})? \\S+$", RegexOptions.Multiline)]
    private static partial Regex SampleLine();

    [GeneratedRegex("(_bucket|_sum|_count)$")]
    private static partial Regex HistogramSuffix();

    [GeneratedRegex("([a-zA-Z_][a-zA-Z0-9_]*)=\"(?:[^\"\\\\]|\\\\.)*\"")]
    private static partial Regex LabelName();

    [GeneratedRegex("^\\| `([a-z_:]+)` \\| (gauge|counter|histogram) \\| (check|node) \\|([^|]*)\\|", RegexOptions.Multiline)]
    private static partial Regex TableRow();

    [GeneratedRegex("`([a-zA-Z_][a-zA-Z0-9_]*)`")]
    private static partial Regex Backticked();

    [GeneratedRegex("^label_values\\((.*), *([a-zA-Z_]+)\\)$")]
    private static partial Regex LabelValues();

    [GeneratedRegex("\\$\\{?([a-zA-Z_]+)\\}?")]
    private static partial Regex VariableReference();
}

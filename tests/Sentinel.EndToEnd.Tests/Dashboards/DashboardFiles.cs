using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.RegularExpressions;
using Xunit;

namespace Sentinel.EndToEnd.Tests.Dashboards;

/// <summary>
/// What the repository ships for Prometheus and Grafana, read as Grafana and Prometheus read it: the dashboards' panel
/// expressions and variables, the alerting rules' expressions, and the README's metrics table.
/// </summary>
internal static partial class DashboardFiles
{
    public static string Root { get; } = RepositoryRoot();

    public static string Folder { get; } = Path.Combine(Root, "dashboards");

    /// <summary>The example scrape configuration the README shows.</summary>
    public static string ScrapeConfiguration { get; } = Path.Combine(Folder, "prometheus", "prometheus.yml");

    public static string Rules { get; } = Path.Combine(Folder, "prometheus", "rules.yml");

    /// <summary>Every panel's expressions: (dashboard file, panel title, PromQL).</summary>
    public static IEnumerable<(string Dashboard, string Title, string Expr)> Panels()
    {
        foreach (var file in Dashboards())
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
    public static IEnumerable<(string Dashboard, string Name, string Label, string Match)> Variables()
    {
        foreach (var file in Dashboards())
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

    /// <summary>The expressions of the alerting rules (the rules file is YAML; each expression is on its <c>expr:</c> line).</summary>
    public static IEnumerable<string> RuleExpressions() =>
        File.ReadAllLines(Rules).Select(l => l.Trim()).Where(l => l.StartsWith("expr: ", StringComparison.Ordinal)).Select(l => l["expr: ".Length..]);

    /// <summary>The Sentinel and blackbox_exporter series an expression names, histogram suffixes removed.</summary>
    public static IEnumerable<string> SeriesNamed(string expr) =>
        SeriesName().Matches(expr).Select(m => HistogramSuffix().Replace(m.Value, "")).Distinct(StringComparer.Ordinal);

    /// <summary>Grafana's substitution for "All": each variable as an alternation of its values; range variables fixed.</summary>
    public static string Substitute(string expr, IReadOnlyDictionary<string, IReadOnlyList<string>> variables)
    {
        expr = expr.Replace("$__rate_interval", "15s", StringComparison.Ordinal).Replace("$__range", "1m", StringComparison.Ordinal);
        return VariableReference().Replace(expr, m => variables.TryGetValue(m.Groups[1].Value, out var values)
            ? "(" + string.Join('|', values.Select(v => Regex.Escape(v).Replace("\\", "\\\\", StringComparison.Ordinal))) + ")"
            : ".*");
    }

    /// <summary>The README's metrics table: name → label names (instance, job and type for per-check rows).</summary>
    public static Dictionary<string, string[]> ReadmeMetrics()
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

    private static IEnumerable<string> Dashboards() => Directory.GetFiles(Folder, "*.json").Order(StringComparer.Ordinal);

    private static string RepositoryRoot([CallerFilePath] string here = "") =>
        Path.GetFullPath(Path.Combine(Path.GetDirectoryName(here)!, "..", "..", ".."));

    [GeneratedRegex("\\b(?:probe|sentinel)_[a-z0-9_]+")]
    private static partial Regex SeriesName();

    [GeneratedRegex("(_bucket|_sum|_count)$")]
    private static partial Regex HistogramSuffix();

    [GeneratedRegex("^\\| `([a-z_:]+)` \\| (gauge|counter|histogram) \\| (check|node) \\|([^|]*)\\|", RegexOptions.Multiline)]
    private static partial Regex TableRow();

    [GeneratedRegex("`([a-zA-Z_][a-zA-Z0-9_]*)`")]
    private static partial Regex Backticked();

    [GeneratedRegex("^label_values\\((.*), *([a-zA-Z_]+)\\)$")]
    private static partial Regex LabelValues();

    [GeneratedRegex("\\$\\{?([a-zA-Z_]+)\\}?")]
    private static partial Regex VariableReference();
}

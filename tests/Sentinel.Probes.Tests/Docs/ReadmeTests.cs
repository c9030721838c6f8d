using System.Runtime.CompilerServices;
using Sentinel.Probes.Audits;
using Sentinel.Probes.Probing;
using Xunit;

namespace Sentinel.Probes.Tests.Docs;

/// <summary>The README documents every failure category, measurement, probe-declared metric, probe type and header-audit finding id.</summary>
public sealed class ReadmeTests
{
    private static readonly string Readme = File.ReadAllText(Path.Combine(RepositoryRoot(), "README.md"));

    public static TheoryData<string> Categories() => new(FailureCategories.All.Select(c => c.Name));

    public static TheoryData<string> Measurements() => new(ProbeCatalog.Default.Types.SelectMany(t => t.Measurements).Distinct());

    public static TheoryData<string> Metrics() => new(ProbeCatalog.Default.Metrics.Select(m => m.Name).Distinct());

    public static TheoryData<string> AuditFindingIds() => new(AuditIds.All.Select(i => i.Id));

    public static TheoryData<string> Types() => new(ProbeCatalog.Default.Types.Select(t => t.Name));

    [Theory]
    [MemberData(nameof(Categories))]
    public void Readme_FailureCategoriesTable_ListsCategory(string category) =>
        Assert.Contains($"| `{category}` |", Readme, StringComparison.Ordinal);

    [Theory]
    [MemberData(nameof(Measurements))]
    public void Readme_ListsMeasurement(string measurement) =>
        Assert.Contains($"`{measurement}`", Readme, StringComparison.Ordinal);

    [Theory]
    [MemberData(nameof(Metrics))]
    public void Readme_MetricsTable_ListsMetric(string metric) =>
        Assert.Contains($"| `{metric}` |", Readme, StringComparison.Ordinal);

    [Theory]
    [MemberData(nameof(Types))]
    public void Readme_MeasurementsTable_ListsType(string type) =>
        Assert.Contains($"| `{type}` |", Readme, StringComparison.Ordinal);

    [Theory]
    [MemberData(nameof(AuditFindingIds))]
    public void Readme_AuditIdsTable_ListsFindingId(string id) =>
        Assert.Contains($"| `{id}` | {AuditIds.Get(id).Severity.ToString().ToLowerInvariant()} |", Readme, StringComparison.Ordinal);

    private static string RepositoryRoot([CallerFilePath] string here = "") =>
        Path.GetFullPath(Path.Combine(Path.GetDirectoryName(here)!, "..", "..", ".."));
}

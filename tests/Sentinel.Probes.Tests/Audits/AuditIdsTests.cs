using System.Runtime.CompilerServices;
using Sentinel.Probes.Audits;
using Xunit;

namespace Sentinel.Probes.Tests.Audits;

/// <summary>The README's table of finding ids is the code's list: the same ids, in the same order, with the same severity and meaning.</summary>
public sealed class AuditIdsTests
{
    [Fact]
    public void Readme_FindingIdTable_IsExactlyTheIdList()
    {
        var lines = File.ReadAllLines(Path.Combine(RepositoryRoot(), "README.md"));
        var header = Array.IndexOf(lines, "| Id | Default severity | Meaning |");
        Assert.True(header >= 0, "the README has no finding-id table");

        var rows = lines.Skip(header + 2).TakeWhile(l => l.StartsWith('|')).ToList();

        Assert.Equal(AuditIds.All.Select(i => $"| `{i.Id}` | {i.Severity.ToString().ToLowerInvariant()} | {i.Meaning} |"), rows);
    }

    private static string RepositoryRoot([CallerFilePath] string here = "") =>
        Path.GetFullPath(Path.Combine(Path.GetDirectoryName(here)!, "..", "..", ".."));
}

using Sentinel.Probes.Checks;
using Sentinel.Probes.Probing;
using Sentinel.Worker.Results;
using Xunit;

namespace Sentinel.Worker.Tests.Results;

/// <summary>The latest-result view keeps to the enabled checks it was last told of.</summary>
public sealed class LatestResultsTests
{
    [Fact]
    public void RetainOnly_CheckNoLongerEnabled_ItsViewGoes()
    {
        var latest = new LatestResults();
        Record(latest, "keep");
        Record(latest, "gone");

        latest.RetainOnly(new HashSet<string>(["keep"]));

        Assert.Equal(["keep"], latest.Views.Select(v => v.Check.Id));
        Assert.False(latest.TryGet("gone", out _));
    }

    [Fact]
    public void RetainOnly_ResultOfARemovedCheckArrivesLate_ItStaysOutOfTheViews()
    {
        var latest = new LatestResults();
        Record(latest, "keep");
        latest.RetainOnly(new HashSet<string>(["keep"]));

        // A run that was under way when its check was removed.
        Record(latest, "gone");

        Assert.Equal(["keep"], latest.Views.Select(v => v.Check.Id));
        latest.RetainOnly(new HashSet<string>(["keep", "gone"]));
        Assert.Equal(["gone", "keep"], latest.Views.Select(v => v.Check.Id).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Views_BeforeTheChecksWereRead_ShowEveryResult()
    {
        var latest = new LatestResults();

        Record(latest, "early");

        Assert.Equal(["early"], latest.Views.Select(v => v.Check.Id));
    }

    [Fact]
    public void Refresh_StoredResultNewerThanTheView_ReplacesItAndKeepsThisNodesCounts()
    {
        var latest = new LatestResults();
        var check = Check("moved");
        var at = new DateTimeOffset(2026, 12, 7, 8, 0, 0, TimeSpan.Zero);
        latest.Record(check, new ProbeResultBuilder(check).Build() with { StartedAt = at });

        // Another node ran the check a second later, and an older row is read again after it.
        var newer = new ProbeResultBuilder(check).Build() with { StartedAt = at.AddSeconds(1) };
        var older = new ProbeResultBuilder(check).Build() with { StartedAt = at.AddSeconds(-1) };

        Assert.True(latest.Refresh(check, newer));
        Assert.False(latest.Refresh(check, older));
        Assert.True(latest.TryGet("moved", out var view));
        Assert.Equal((at.AddSeconds(1), 1L), (view.Result.StartedAt, view.Runs));
    }

    [Fact]
    public void Refresh_CheckNotInTheView_AddsItWithNoRunsOfThisNode()
    {
        var latest = new LatestResults();
        var check = Check("elsewhere");

        Assert.True(latest.Refresh(check, new ProbeResultBuilder(check).Build()));

        Assert.True(latest.TryGet("elsewhere", out var view));
        Assert.Equal(0, view.Runs);
    }

    private static CheckDefinition Check(string id) => new() { Id = id, Name = id, Type = "tcp", Target = "127.0.0.1:9" };

    private static void Record(LatestResults latest, string id)
    {
        var check = new CheckDefinition { Id = id, Name = id, Type = "tcp", Target = "127.0.0.1:9" };
        latest.Record(check, new ProbeResultBuilder(check).Build());
    }
}

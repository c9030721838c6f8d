using Sentinel.Api.Endpoints;
using Sentinel.Worker.Storage;
using Xunit;

namespace Sentinel.Worker.Tests.Storage;

public sealed class HistoryPlanTests
{
    private static readonly DateTimeOffset Now = new(2026, 3, 10, 12, 0, 0, TimeSpan.Zero);
    private static readonly RetentionHorizons Kept = RetentionHorizons.At(Now, new StorageOptions());

    /// <summary>A round at 11:59:30: minutes settled up to 11:44, hours up to 11:00.</summary>
    private static readonly RollupCoverage Rolled = RollupCoverage.From(At("2026-03-10 11:59:30"), At("2026-03-10 11:00"));

    [Fact]
    public void At_Defaults_KeepWholeDaysAndMonths()
    {
        Assert.Equal(new RetentionHorizons(At("2026-02-08 00:00"), At("2026-03-03 00:00"), At("2025-02-01 00:00")), Kept);
        Assert.True(Kept.KeepsResult(At("2026-02-08 00:00")));
        Assert.False(Kept.KeepsResult(At("2026-02-07 23:59:59")));
        Assert.True(Kept.KeepsResult(DateTimeOffset.MinValue));
    }

    [Fact]
    public void UptimeSegments_RangeOffTheBoundaries_WholeHoursFromHourRollupsEndsFromMinutesAndRawAndTheTailRaw()
    {
        var segments = HistoryPlan.UptimeSegments(At("2026-03-10 08:17:30"), At("2026-03-10 11:58:10"), Rolled, Kept);

        Assert.Equal(
            [
                Raw("08:17:30", "08:18"), Minute("08:18", "09:00"), Hour("09:00", "11:00"), Minute("11:00", "11:44"), Raw("11:44", "11:58:10"),
            ],
            segments);
    }

    [Fact]
    public void UptimeSegments_HoursNotRolledUpYet_AreReadFromMinuteRollups()
    {
        // The round that moved the watermark to 11:59:30 has not got to the hours after 09:00 yet.
        var rolled = RollupCoverage.From(At("2026-03-10 11:59:30"), At("2026-03-10 09:00"));

        var segments = HistoryPlan.UptimeSegments(At("2026-03-10 07:17:30"), At("2026-03-10 11:58:10"), rolled, Kept);

        Assert.Equal(
            [
                Raw("07:17:30", "07:18"), Minute("07:18", "08:00"), Hour("08:00", "09:00"), Minute("09:00", "11:44"), Raw("11:44", "11:58:10"),
            ],
            segments);
    }

    [Fact]
    public void From_HoursBeforeAheadOfTheWatermark_IsHeldToTheSettledHour()
    {
        Assert.Equal(new RollupCoverage(At("2026-03-10 11:44"), At("2026-03-10 11:00")), Rolled);
        Assert.Equal(new RollupCoverage(At("2026-03-10 11:44"), At("2026-03-10 11:00")), RollupCoverage.From(At("2026-03-10 11:59:30"), At("2026-03-10 14:00")));
        Assert.Equal(default, RollupCoverage.From(DateTimeOffset.MinValue, DateTimeOffset.MinValue));
    }

    [Fact]
    public void UptimeSegments_RangeInsideOneMinute_IsReadRaw() =>
        Assert.Equal([Raw("09:10:10", "09:10:50")], HistoryPlan.UptimeSegments(At("2026-03-10 09:10:10"), At("2026-03-10 09:10:50"), Rolled, Kept));

    [Fact]
    public void UptimeSegments_NothingRolledUpYet_IsReadRaw() =>
        Assert.Equal([Raw("09:10:10", "11:00")], HistoryPlan.UptimeSegments(At("2026-03-10 09:10:10"), At("2026-03-10 11:00"), default, Kept));

    [Fact]
    public void UptimeSegments_EndsPastTheMinuteRetention_AreReadRawAndPastTheRawRetentionCountTheirWholeHour()
    {
        var tenDaysAgo = HistoryPlan.UptimeSegments(At("2026-02-28 08:17:30"), At("2026-02-28 10:30"), Rolled, Kept);
        var fortyDaysAgo = HistoryPlan.UptimeSegments(At("2026-01-29 08:17:30"), At("2026-01-29 10:30"), Rolled, Kept);

        Assert.Equal(
            [
                Segment(HistoryResolution.Raw, "2026-02-28 08:17:30", "2026-02-28 09:00"), Segment(HistoryResolution.Hour, "2026-02-28 09:00", "2026-02-28 10:00"),
                Segment(HistoryResolution.Raw, "2026-02-28 10:00", "2026-02-28 10:30"),
            ],
            tenDaysAgo);
        Assert.Equal(
            [
                Segment(HistoryResolution.Hour, "2026-01-29 08:00", "2026-01-29 09:00"), Segment(HistoryResolution.Hour, "2026-01-29 09:00", "2026-01-29 10:00"),
                Segment(HistoryResolution.Hour, "2026-01-29 10:00", "2026-01-29 10:30"),
            ],
            fortyDaysAgo);
    }

    [Fact]
    public void Settled_Watermark_IsFifteenMinutesEarlierOnAMinute()
    {
        Assert.Equal(At("2026-03-10 11:44"), HistoryPlan.Settled(At("2026-03-10 11:59:30")));
        Assert.Equal(DateTimeOffset.MinValue, HistoryPlan.Settled(DateTimeOffset.MinValue));
        Assert.Equal(At("2026-03-10 11:00"), HistoryPlan.SettledHour(At("2026-03-10 11:59:30")));
        Assert.Equal(At("2026-03-10 10:00"), HistoryPlan.SettledHour(At("2026-03-10 11:14:59")));
    }

    private static HistorySegment Segment(HistoryResolution source, string start, string end) => new(source, At(start), At(end));

    private static HistorySegment Raw(string start, string end) => new(HistoryResolution.Raw, Today(start), Today(end));

    private static HistorySegment Minute(string start, string end) => new(HistoryResolution.Minute, Today(start), Today(end));

    private static HistorySegment Hour(string start, string end) => new(HistoryResolution.Hour, Today(start), Today(end));

    private static DateTimeOffset Today(string time) => At("2026-03-10 " + time);

    private static DateTimeOffset At(string text) => DateTimeOffset.Parse(text + "Z", System.Globalization.CultureInfo.InvariantCulture);
}

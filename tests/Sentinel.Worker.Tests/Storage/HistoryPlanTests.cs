using Sentinel.Api.Endpoints;
using Sentinel.Worker.Storage;
using Xunit;

namespace Sentinel.Worker.Tests.Storage;

public sealed class HistoryPlanTests
{
    private static readonly DateTimeOffset Now = new(2026, 3, 10, 12, 0, 0, TimeSpan.Zero);
    private static readonly RetentionHorizons Kept = RetentionHorizons.At(Now, new StorageOptions());

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
        var segments = HistoryPlan.UptimeSegments(At("2026-03-10 08:17:30"), At("2026-03-10 11:58:10"), At("2026-03-10 11:44"), Kept);

        Assert.Equal(
            [
                Raw("08:17:30", "08:18"), Minute("08:18", "09:00"), Hour("09:00", "11:00"), Minute("11:00", "11:44"), Raw("11:44", "11:58:10"),
            ],
            segments);
    }

    [Fact]
    public void UptimeSegments_RangeInsideOneMinute_IsReadRaw() =>
        Assert.Equal([Raw("09:10:10", "09:10:50")], HistoryPlan.UptimeSegments(At("2026-03-10 09:10:10"), At("2026-03-10 09:10:50"), At("2026-03-10 11:44"), Kept));

    [Fact]
    public void UptimeSegments_NothingRolledUpYet_IsReadRaw() =>
        Assert.Equal([Raw("09:10:10", "11:00")], HistoryPlan.UptimeSegments(At("2026-03-10 09:10:10"), At("2026-03-10 11:00"), DateTimeOffset.MinValue, Kept));

    [Fact]
    public void UptimeSegments_EndsPastTheMinuteRetention_AreReadRawAndPastTheRawRetentionCountTheirWholeHour()
    {
        var tenDaysAgo = HistoryPlan.UptimeSegments(At("2026-02-28 08:17:30"), At("2026-02-28 10:30"), At("2026-03-10 11:44"), Kept);
        var fortyDaysAgo = HistoryPlan.UptimeSegments(At("2026-01-29 08:17:30"), At("2026-01-29 10:30"), At("2026-03-10 11:44"), Kept);

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
    }

    private static HistorySegment Segment(HistoryResolution source, string start, string end) => new(source, At(start), At(end));

    private static HistorySegment Raw(string start, string end) => new(HistoryResolution.Raw, Today(start), Today(end));

    private static HistorySegment Minute(string start, string end) => new(HistoryResolution.Minute, Today(start), Today(end));

    private static HistorySegment Hour(string start, string end) => new(HistoryResolution.Hour, Today(start), Today(end));

    private static DateTimeOffset Today(string time) => At("2026-03-10 " + time);

    private static DateTimeOffset At(string text) => DateTimeOffset.Parse(text + "Z", System.Globalization.CultureInfo.InvariantCulture);
}

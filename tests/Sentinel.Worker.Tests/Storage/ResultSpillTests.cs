using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Sentinel.Probes.Checks;
using Sentinel.Probes.Probing;
using Sentinel.Testing;
using Sentinel.Worker.Results;
using Sentinel.Worker.Storage;
using Xunit;
using MsOptions = Microsoft.Extensions.Options.Options;

namespace Sentinel.Worker.Tests.Storage;

/// <summary>The spill file and the buffer in front of it, on a real disk: order, bounds, damage.</summary>
public sealed class ResultSpillTests : IDisposable
{
    private static readonly DateTimeOffset Start = new(2026, 12, 7, 10, 0, 0, TimeSpan.Zero);
    private readonly TempDirectory _directory = new("sentinel-spill");

    [Fact]
    public void Append_ThenRead_GivesEveryRowBackWholeAndInOrder()
    {
        var check = new CheckDefinition { Id = "whole", Name = "whole", Type = "http", Target = "https://example.test/" };
        var builder = new ProbeResultBuilder(check);
        builder.Phase("connect", TimeSpan.FromMilliseconds(1.25));
        builder.Measure("http.version", MeasurementValue.Of(1.0, "1.0"));
        builder.Measure("text", "ünïcödé \"quoted\" \\ and a tab\t");
        builder.Measure("list", MeasurementValue.Of(["a", "b"]));
        builder.Fail("http", "http_status", "got 503 — Service Unavailable", "look at the upstream");
        builder.Sample(new MetricDescriptor("probe_test_value", "A test series.", null, "kind"), double.NaN, "a");
        var rows = new List<ResultRow>
        {
            ResultRow.From(builder.Build() with
            {
                Id = Guid.CreateVersion7(Start), StartedAt = Start, ScheduledAt = Start.AddTicks(-31_234), Duration = TimeSpan.FromTicks(12_345_678),
            }, "node-1"),
            Row(1),
            Row(2) with { Details = null },
        };
        using var spill = Open();

        spill.Append(rows.Take(1).ToList());
        spill.Append(rows.Skip(1).ToList());

        Assert.Equal(3, spill.Rows);
        var segment = spill.TakeOldest()!;
        var read = segment.ReadBatches(2).ToList();
        Assert.Equal([2, 1], read.Select(b => b.Count));
        Assert.Equal(rows, read.SelectMany(b => b));
        Assert.Equal(0, segment.Corrupt);
        spill.Complete(segment);
        Assert.True(spill.IsEmpty);
        Assert.Equal(0, spill.Rows);
        Assert.Empty(Directory.GetFiles(_directory.Path, "*" + ResultSpill.SegmentExtension));
    }

    [Fact]
    public void Append_BeyondMaxBytes_DropsTheOldestSegmentsCountsTheirRowsAndKeepsTheNewestInOrder()
    {
        using var spill = new ResultSpill(_directory.Path, 64 * 1024, NullLogger.Instance);
        spill.Open();
        var rows = Enumerable.Range(0, 2_000).Select(Row).ToList();

        foreach (var chunk in rows.Chunk(7))
        {
            spill.Append(chunk);
            Assert.True(spill.Bytes <= spill.MaxBytes, $"{spill.Bytes} bytes spilled, bound {spill.MaxBytes}");
        }

        Assert.True(spill.DroppedWhenFull > 0);
        Assert.Equal(rows.Count, spill.DroppedWhenFull + spill.Rows);
        Assert.True(Directory.GetFiles(_directory.Path, "*" + ResultSpill.SegmentExtension).Sum(f => new FileInfo(f).Length) <= spill.MaxBytes);
        var kept = Replay(spill);
        Assert.Equal(rows.TakeLast(kept.Count), kept);
    }

    [Fact]
    public void Append_WhileTheOldestIsReplayed_DropsTheNextOldestInstead()
    {
        using var spill = new ResultSpill(_directory.Path, 64 * 1024, NullLogger.Instance);
        spill.Open();
        var rows = Enumerable.Range(0, 2_000).Select(Row).ToList();
        spill.Append(rows.Take(20).ToList());
        var replaying = spill.TakeOldest()!;

        foreach (var chunk in rows.Skip(20).Chunk(7))
        {
            spill.Append(chunk);
        }

        Assert.True(File.Exists(replaying.Path));
        var replayed = replaying.ReadBatches(1_000).SelectMany(b => b).ToList();
        Assert.NotEmpty(replayed);
        Assert.Equal(rows.Take(replayed.Count), replayed);
        Assert.True(spill.DroppedWhenFull > 0);
    }

    [Fact]
    public void Open_SegmentsOfAnEarlierRun_AreReplayedBeforeNewRows()
    {
        var rows = Enumerable.Range(0, 10).Select(Row).ToList();
        using (var earlier = Open())
        {
            earlier.Append(rows.Take(4).ToList());
            earlier.Append(rows.Skip(4).Take(2).ToList());
        }

        using var spill = Open();
        Assert.Equal(6, spill.Rows);
        spill.Append(rows.Skip(6).ToList());

        Assert.Equal(rows, Replay(spill));
    }

    [Fact]
    public void Open_DirectoryAnotherSpillHolds_IsRefusedInOneLine()
    {
        using var first = Open();

        using var second = new ResultSpill(_directory.Path, 1L << 30, NullLogger.Instance);
        var error = Assert.Throws<ResultSpillException>(second.Open);

        Assert.StartsWith($"cannot take the spill directory {_directory.Path}: ", error.Message, StringComparison.Ordinal);
        Assert.EndsWith("(another Sentinel may be using it; give each node its own Sentinel:Results:SpillDirectory)", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Fact]
    public void Read_SegmentOfGarbage_SkipsEveryLineThatIsNotARowAndCountsIt()
    {
        var rows = Enumerable.Range(0, 3).Select(Row).ToList();
        using (var earlier = Open())
        {
            earlier.Append(rows);
        }

        var path = Directory.GetFiles(_directory.Path, "*" + ResultSpill.SegmentExtension).Single();
        var lines = File.ReadAllLines(path);
        using (var file = new FileStream(path, FileMode.Create))
        {
            void Line(string text) => file.Write(Encoding.UTF8.GetBytes(text + "\n"));
            Line(lines[0]);
            Line("{}");
            Line("""{"id":"not a uuid"}""");
            Line("[1, 2, 3]");
            file.Write(new byte[] { 0xff, 0xfe, 0x00, 0x7b, (byte)'\n' });
            file.Write(Encoding.UTF8.GetBytes(new string('x', SpillSegment.MaxLineBytes + 10) + "\n"));
            Line(lines[1].Replace("\"phases\":\"{", "\"phases\":\"text{", StringComparison.Ordinal));
            Line(lines[1]);
            Line(new string('{', 10_000));
            file.Write(Encoding.UTF8.GetBytes(lines[2][..^3]));
        }

        using var spill = Open();
        var segment = spill.TakeOldest()!;
        var read = segment.ReadBatches(100).SelectMany(b => b).ToList();
        spill.Complete(segment);

        Assert.Equal([rows[0], rows[1]], read);
        Assert.Equal(8, spill.Corrupt);
    }

    [Fact]
    public void Read_LineWithoutAPlannedFireTime_IsARunAskedForAtOnce()
    {
        var scheduled = Row(0) with { ScheduledAt = Start.AddMilliseconds(-3) };
        using (var earlier = Open())
        {
            earlier.Append([scheduled]);
        }

        // A line as spilled before results kept their planned fire time: the same row without the field.
        var path = Directory.GetFiles(_directory.Path, "*" + ResultSpill.SegmentExtension).Single();
        var line = File.ReadAllLines(path).Single();
        Assert.Contains("\"scheduled_at\":\"2026-12-07T09:59:59.997+00:00\"", line, StringComparison.Ordinal);
        var older = System.Text.RegularExpressions.Regex.Replace(line, "\"scheduled_at\":\"[^\"]*\",?", string.Empty);
        File.WriteAllText(path, line + "\n" + older + "\n");

        using var spill = Open();
        Assert.Equal([scheduled, scheduled with { ScheduledAt = null }], Replay(spill));
        Assert.Equal(0, spill.Corrupt);
    }

    [Fact]
    public void Buffer_BeyondItsCapacity_DropsTheOldestAndCountsThem()
    {
        var buffer = new ResultBuffer(MsOptions.Create(new ResultOptions { QueueCapacity = 100 }));
        var rows = Enumerable.Range(0, 150).Select(Row).ToList();

        foreach (var row in rows)
        {
            buffer.Add(row);
        }

        Assert.Equal(100, buffer.Count);
        Assert.Equal(50, buffer.Dropped);
        var taken = new List<ResultRow>();
        buffer.TakeInto(taken, int.MaxValue);
        Assert.Equal(rows.Skip(50), taken);
    }

    public void Dispose() => _directory.Dispose();

    private ResultSpill Open()
    {
        var spill = new ResultSpill(_directory.Path, 1L << 30, NullLogger.Instance);
        spill.Open();
        return spill;
    }

    private static List<ResultRow> Replay(ResultSpill spill)
    {
        var rows = new List<ResultRow>();
        while (spill.TakeOldest() is { } segment)
        {
            rows.AddRange(segment.ReadBatches(100).SelectMany(b => b));
            spill.Complete(segment);
        }

        return rows;
    }

    private static ResultRow Row(int i)
    {
        var check = new CheckDefinition { Id = $"check-{i % 3}", Name = "c", Type = "tcp", Target = "127.0.0.1:9" };
        var builder = new ProbeResultBuilder(check);
        builder.Phase("connect", TimeSpan.FromMilliseconds(i / 10.0));
        builder.Fail("tcp", "tcp_refused", $"refused #{i}", "start it");
        var startedAt = Start.AddSeconds(i);
        return ResultRow.From(builder.Build() with { Id = Guid.CreateVersion7(startedAt), StartedAt = startedAt }, "node-1");
    }
}

using System.Diagnostics.Metrics;
using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Npgsql;
using Sentinel.Probes.Checks;
using Sentinel.Probes.Probing;
using Sentinel.Testing;
using Sentinel.Worker.Hosting;
using Sentinel.Worker.Results;
using Sentinel.Worker.Storage;
using Xunit;

namespace Sentinel.Worker.Tests.Storage;

public sealed class ResultWriterTests(PostgresCluster postgres)
{
    [Fact]
    public async Task Writer_PublishedResults_AreStoredWithEveryColumn()
    {
        await using var dataSource = NpgsqlDataSource.Create(await postgres.CreateMigratedDatabaseAsync());
        await using var harness = new WriterHarness(dataSource);
        var (pipeline, writer, database) = harness;
        database.MarkReady();
        await writer.StartAsync(TestContext.Current.CancellationToken);
        var check = new CheckDefinition { Id = "db", Name = "db", Type = "tcp", Target = "127.0.0.1:9" };
        var builder = new ProbeResultBuilder(check);
        builder.Phase("connect", TimeSpan.FromMilliseconds(1.5));
        builder.Measure("tcp.duration.connect_ms", 1.5);
        builder.Fail("tcp", "tcp_refused", "refused", "start it");
        var result = builder.Build() with { StartedAt = new DateTimeOffset(2026, 11, 25, 10, 0, 0, TimeSpan.Zero), Duration = TimeSpan.FromMilliseconds(2) };
        var planned = result.StartedAt.AddTicks(-41_230);

        await pipeline.PublishAsync(check, result with { ScheduledAt = planned }, TestContext.Current.CancellationToken);

        var row = await Eventually.ValueAsync(async () => (await dataSource.QueryListAsync<StoredRow>(
            "SELECT check_id AS CheckId, started_at AS StartedAt, duration_ms AS DurationMs, status AS Status, success AS Success, " +
            "failure_category AS FailureCategory, phases::text AS Phases, measurements::text AS Measurements, node AS Node FROM results")).FirstOrDefault(),
            TimeSpan.FromSeconds(10), "the result row");
        Assert.Equal("db", row.CheckId);
        Assert.Equal(result.StartedAt.UtcDateTime, row.StartedAt.ToUniversalTime());
        Assert.Equal(2, row.DurationMs);
        Assert.Equal(("down", false, "tcp_refused"), (row.Status, row.Success, row.FailureCategory));
        Assert.Equal(1.5, JsonDocument.Parse(row.Phases).RootElement.GetProperty("connect").GetDouble());
        Assert.Equal(1.5, JsonDocument.Parse(row.Measurements).RootElement.GetProperty("tcp.duration.connect_ms").GetDouble());
        Assert.Equal("node-1", row.Node);

        // The planned fire time as it was; none for a run asked for at once.
        await pipeline.PublishAsync(check, result with { Id = Guid.Empty, StartedAt = result.StartedAt.AddSeconds(1) }, TestContext.Current.CancellationToken);
        var scheduled = await Eventually.ValueAsync(async () =>
        {
            var rows = await dataSource.QueryListAsync<DateTime?>("SELECT scheduled_at FROM results ORDER BY started_at");
            return rows.Count == 2 ? rows : null;
        }, TimeSpan.FromSeconds(10), "both result rows");
        Assert.Equal([planned.UtcDateTime, null], scheduled.Select(s => s?.ToUniversalTime()));
        await writer.StopAsync(TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task Writer_ManyResults_AllArriveAndTheQueueDrains()
    {
        await using var dataSource = NpgsqlDataSource.Create(await postgres.CreateMigratedDatabaseAsync());
        await using var harness = new WriterHarness(dataSource);
        var (pipeline, writer, database) = harness;
        database.MarkReady();
        await writer.StartAsync(TestContext.Current.CancellationToken);
        var check = new CheckDefinition { Id = "many", Name = "many", Type = "tcp", Target = "127.0.0.1:9" };

        for (var i = 0; i < 2_500; i++)
        {
            await pipeline.PublishAsync(check, new ProbeResultBuilder(check).Build() with { StartedAt = DateTimeOffset.UnixEpoch.AddSeconds(i) }, TestContext.Current.CancellationToken);
        }

        await Eventually.WaitAsync(async () => await dataSource.QueryValueAsync<long>("SELECT count(*) FROM results") == 2_500,
            TimeSpan.FromSeconds(30), "2,500 result rows");
        Assert.Equal(0, harness.Buffer.Count);
        Assert.Equal(0, harness.Spill.Spilled);
        await writer.StopAsync(TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task Writer_TargetTextWithNulBytes_IsStoredNotStuck()
    {
        await using var dataSource = NpgsqlDataSource.Create(await postgres.CreateMigratedDatabaseAsync());
        await using var harness = new WriterHarness(dataSource);
        var (pipeline, writer, database) = harness;
        database.MarkReady();
        await writer.StartAsync(TestContext.Current.CancellationToken);
        var check = new CheckDefinition { Id = "nul", Name = "nul", Type = "tcp", Target = "127.0.0.1:9" };
        var builder = new ProbeResultBuilder(check);
        builder.Measure("text", "a\0b");
        builder.Fail("http", "http_status", "reason phrase \0 with NUL", "hint \0");

        await pipeline.PublishAsync(check, builder.Build(), TestContext.Current.CancellationToken);
        await pipeline.PublishAsync(check, new ProbeResultBuilder(check).Build(), TestContext.Current.CancellationToken);

        await Eventually.WaitAsync(async () => await dataSource.QueryValueAsync<long>("SELECT count(*) FROM results") == 2, TimeSpan.FromSeconds(10), "both results");
        Assert.Equal("reason phrase \uFFFD with NUL", await dataSource.QueryValueAsync<string>("SELECT failure_message FROM results WHERE failure_message IS NOT NULL"));
        Assert.Equal("a\uFFFDb", await dataSource.QueryValueAsync<string>("SELECT measurements->>'text' FROM results WHERE failure_message IS NOT NULL"));
        await writer.StopAsync(TestContext.Current.CancellationToken);
    }

    [Theory]
    [InlineData("{\"a\":\"x\\u0000y\"}", "{\"a\":\"x\\uFFFDy\"}")]
    [InlineData("{\"a\":\"x\\\\u0000y\"}", "{\"a\":\"x\\\\u0000y\"}")]
    [InlineData("{\"a\":\"x\\\\\\u0000y\"}", "{\"a\":\"x\\\\\\uFFFDy\"}")]
    public void CleanJson_ReplacesOnlyRealNulEscapes(string json, string expected) => Assert.Equal(expected, StorageText.CleanJson(json));

    [Fact]
    public async Task Writer_DatabaseNotReadyYet_SpillsResultsAndWritesThemOnceReady()
    {
        await using var dataSource = NpgsqlDataSource.Create(await postgres.CreateMigratedDatabaseAsync());
        await using var harness = new WriterHarness(dataSource);
        var (pipeline, writer, database) = harness;
        await writer.StartAsync(TestContext.Current.CancellationToken);
        var check = new CheckDefinition { Id = "late", Name = "late", Type = "tcp", Target = "127.0.0.1:9" };
        await pipeline.PublishAsync(check, new ProbeResultBuilder(check).Build(), TestContext.Current.CancellationToken);
        await Eventually.WaitAsync(() => harness.Spill.Rows == 1, TimeSpan.FromSeconds(10), "the result in the spill file");

        database.MarkReady();
        await Eventually.WaitAsync(async () => await dataSource.QueryValueAsync<long>("SELECT count(*) FROM results") == 1,
            TimeSpan.FromSeconds(10), "the spilled result to be written once the database is ready");
        await Eventually.WaitAsync(() => harness.Spill.IsEmpty, TimeSpan.FromSeconds(10), "the spill file to be empty");
        await writer.StopAsync(TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task Writer_SameResultPublishedTwice_IsStoredOnce()
    {
        await using var dataSource = NpgsqlDataSource.Create(await postgres.CreateMigratedDatabaseAsync());
        await using var harness = new WriterHarness(dataSource);
        var (pipeline, writer, database) = harness;
        database.MarkReady();
        await writer.StartAsync(TestContext.Current.CancellationToken);
        var check = new CheckDefinition { Id = "twice", Name = "twice", Type = "tcp", Target = "127.0.0.1:9" };
        var startedAt = new DateTimeOffset(2026, 12, 6, 10, 0, 0, TimeSpan.Zero);
        var result = new ProbeResultBuilder(check).Build() with { Id = Guid.CreateVersion7(startedAt), StartedAt = startedAt };
        var other = result with { Id = Guid.CreateVersion7(startedAt.AddSeconds(1)), StartedAt = startedAt.AddSeconds(1) };

        // A retried write sends the same ids again, in the same batch or a later one.
        await pipeline.PublishAsync(check, result, TestContext.Current.CancellationToken);
        await pipeline.PublishAsync(check, result, TestContext.Current.CancellationToken);
        await Eventually.WaitAsync(async () => await dataSource.QueryValueAsync<long>("SELECT count(*) FROM results") >= 1, TimeSpan.FromSeconds(10), "the first row");
        await pipeline.PublishAsync(check, result, TestContext.Current.CancellationToken);
        await pipeline.PublishAsync(check, other, TestContext.Current.CancellationToken);

        await Eventually.WaitAsync(async () => await dataSource.QueryValueAsync<long>("SELECT count(*) FROM results WHERE id = @id", new { id = other.Id }) == 1,
            TimeSpan.FromSeconds(10), "the other result");
        Assert.Equal(1, await dataSource.QueryValueAsync<long>("SELECT count(*) FROM results WHERE id = @id", new { id = result.Id }));
        Assert.Equal(2, await dataSource.QueryValueAsync<long>("SELECT count(*) FROM results"));
        await writer.StopAsync(TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task Writer_OlderResultAfterNewer_CheckLatestKeepsTheNewerWithItsSamples()
    {
        await using var dataSource = NpgsqlDataSource.Create(await postgres.CreateMigratedDatabaseAsync());
        await using var harness = new WriterHarness(dataSource);
        var (pipeline, writer, database) = harness;
        database.MarkReady();
        await writer.StartAsync(TestContext.Current.CancellationToken);
        var check = new CheckDefinition { Id = "latest", Name = "latest", Type = "tcp", Target = "127.0.0.1:9" };
        var metric = new MetricDescriptor("probe_test_value", "A test series.", null, "kind");
        var startedAt = new DateTimeOffset(2026, 12, 6, 10, 0, 0, TimeSpan.Zero);
        var newer = new ProbeResultBuilder(check);
        newer.Sample(metric, 42.5, "a");
        newer.Fail("tcp", "tcp_refused", "refused", "start it");
        var older = new ProbeResultBuilder(check);

        await pipeline.PublishAsync(check, newer.Build() with { StartedAt = startedAt }, TestContext.Current.CancellationToken);
        await Eventually.WaitAsync(async () => await dataSource.QueryValueAsync<long>("SELECT count(*) FROM check_latest") == 1, TimeSpan.FromSeconds(10), "the latest row");
        await pipeline.PublishAsync(check, older.Build() with { StartedAt = startedAt.AddMinutes(-1) }, TestContext.Current.CancellationToken);
        await Eventually.WaitAsync(async () => await dataSource.QueryValueAsync<long>("SELECT count(*) FROM results") == 2, TimeSpan.FromSeconds(10), "both rows");

        var latest = (await dataSource.QueryListAsync<(string Status, string? Category, DateTime StartedAt, string Samples)>(
            "SELECT status, failure_category, started_at, samples::text FROM check_latest WHERE check_id = 'latest'")).Single();
        Assert.Equal(("down", "tcp_refused"), (latest.Status, latest.Category));
        Assert.Equal(startedAt.UtcDateTime, latest.StartedAt.ToUniversalTime());
        var sample = JsonDocument.Parse(latest.Samples).RootElement.EnumerateArray().Single();
        Assert.Equal("probe_test_value", sample.GetProperty("metric").GetString());
        Assert.Equal(42.5, sample.GetProperty("value").GetDouble());
        Assert.Equal("a", sample.GetProperty("labels")[0].GetString());
        Assert.Equal(await dataSource.QueryValueAsync<Guid>("SELECT id FROM results WHERE started_at = @startedAt", new { startedAt = startedAt.UtcDateTime }),
            await dataSource.QueryValueAsync<Guid>("SELECT result_id FROM check_latest"));
        await writer.StopAsync(TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task BatchWriter_StatusRunsAcrossBatches_StatusSinceIsTheFirstRunOfTheCurrentState()
    {
        await using var dataSource = NpgsqlDataSource.Create(await postgres.CreateMigratedDatabaseAsync());
        using var meter = new Meter("test");
        using var spill = new TempDirectory("sentinel-spill");
        using var spillFile = new ResultSpill(spill.Path, 1L << 20, NullLogger.Instance);
        var ready = new DatabaseState();
        ready.MarkReady();
        var metrics = new ResultStorageMetrics(meter, new ResultBuffer(Options.Create(new ResultOptions())), spillFile, new ResultStorageState(TimeProvider.System), ready);
        await using var writer = new ResultBatchWriter(dataSource, metrics, TimeProvider.System, TimeSpan.FromSeconds(30), NullLogger.Instance);
        var check = new CheckDefinition { Id = "flappy", Name = "flappy", Type = "tcp", Target = "127.0.0.1:9" };
        var t0 = new DateTimeOffset(2026, 12, 7, 10, 0, 0, TimeSpan.Zero);
        ResultRow Run(int minute, bool up)
        {
            var builder = new ProbeResultBuilder(check);
            if (!up)
            {
                builder.Fail("tcp", "tcp_refused", "refused", "start it");
            }

            var startedAt = t0.AddMinutes(minute);
            return ResultRow.From(builder.Build() with { Id = Guid.CreateVersion7(startedAt), StartedAt = startedAt }, "node-1");
        }

        async Task<DateTimeOffset> SinceAfter(params ResultRow[] batch)
        {
            await writer.WriteAsync(batch.Reverse().ToList(), TestContext.Current.CancellationToken);
            return new DateTimeOffset((await dataSource.QueryValueAsync<DateTime>("SELECT status_since FROM check_latest WHERE check_id = 'flappy'")).ToUniversalTime());
        }

        Assert.Equal(t0, await SinceAfter(Run(0, false), Run(1, false)));
        Assert.Equal(t0, await SinceAfter(Run(2, false)));
        Assert.Equal(t0.AddMinutes(4), await SinceAfter(Run(3, false), Run(4, true), Run(5, true)));
        Assert.Equal(t0.AddMinutes(4), await SinceAfter(Run(6, true)));
        Assert.Equal(t0.AddMinutes(4), await SinceAfter(Run(-10, false)));
        Assert.Equal(t0.AddMinutes(7), await SinceAfter(Run(7, false)));
        Assert.Equal(t0.AddMinutes(8), await SinceAfter(Run(8, true), Run(9, true)));
    }

    [Fact]
    public async Task BatchWriter_BatchPartlyStoredAlready_AddsOnlyTheRowsNotThereAndMovesTheLatestOn()
    {
        await using var dataSource = NpgsqlDataSource.Create(await postgres.CreateMigratedDatabaseAsync());
        using var meter = new Meter("test");
        var written = new List<long>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter == meter && instrument.Name == "sentinel_results_written_total")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, value, _, _) => written.Add(value));
        listener.Start();
        using var spill = new TempDirectory("sentinel-spill");
        using var spillFile = new ResultSpill(spill.Path, 1L << 20, NullLogger.Instance);
        var ready = new DatabaseState();
        ready.MarkReady();
        var metrics = new ResultStorageMetrics(meter, new ResultBuffer(Options.Create(new ResultOptions())), spillFile, new ResultStorageState(TimeProvider.System), ready);
        await using var writer = new ResultBatchWriter(dataSource, metrics, TimeProvider.System, TimeSpan.FromSeconds(30), NullLogger.Instance);
        var t0 = new DateTimeOffset(2026, 12, 7, 10, 0, 0, TimeSpan.Zero);
        ResultRow Run(string id, int minute)
        {
            var check = new CheckDefinition { Id = id, Name = id, Type = "tcp", Target = "127.0.0.1:9" };
            var startedAt = t0.AddMinutes(minute);
            return ResultRow.From(new ProbeResultBuilder(check).Build() with
            {
                Id = Guid.CreateVersion7(startedAt), StartedAt = startedAt, ScheduledAt = startedAt.AddMilliseconds(-5),
            }, "node-1");
        }

        var (a0, a1, b0, c0) = (Run("a", 0), Run("a", 1), Run("b", 0), Run("c", 0));
        async Task<(long Rows, long Ids, string Latest)> StoredAfter(params ResultRow[] batch)
        {
            await writer.WriteAsync(batch, TestContext.Current.CancellationToken);
            var latest = await dataSource.QueryListAsync<string>(
                "SELECT l.check_id || '@' || r.started_at AT TIME ZONE 'UTC' FROM check_latest l JOIN results r ON r.id = l.result_id ORDER BY l.check_id");
            return (await dataSource.QueryValueAsync<long>("SELECT count(*) FROM results"),
                await dataSource.QueryValueAsync<long>("SELECT count(DISTINCT id) FROM results"), string.Join(", ", latest));
        }

        Assert.Equal((2, 2, "a@2026-12-07 10:00:00, b@2026-12-07 10:00:00"), await StoredAfter(a0, b0));

        // Replayed after a crash that followed the commit: the stored rows again, with new ones (one of them twice).
        Assert.Equal((4, 4, "a@2026-12-07 10:01:00, b@2026-12-07 10:00:00, c@2026-12-07 10:00:00"), await StoredAfter(a0, a1, b0, c0, a1));

        // Only rows stored already, older than the latest: nothing changes.
        Assert.Equal((4, 4, "a@2026-12-07 10:01:00, b@2026-12-07 10:00:00, c@2026-12-07 10:00:00"), await StoredAfter(a0));

        // Each batch written whole, none of its rows refused as data (which would write the others one by one).
        Assert.Equal([0, 2, 5, 1], written);

        // The rows the staging table added keep their planned fire time as the direct COPY's do.
        Assert.Equal(4, await dataSource.QueryValueAsync<long>("SELECT count(*) FROM results WHERE scheduled_at = started_at - interval '5 ms'"));
    }

    [Fact]
    public async Task BatchWriter_EveryCheckRunAgainAndAgain_CheckLatestIsRewrittenInPlaceAndKeepsItsSize()
    {
        // A cluster of its own: pruning an old row version waits for every snapshot that may still see it, and the
        // suite's other tests, in other databases of the shared cluster, keep some open all the time.
        await using var own = new PostgresCluster();
        await own.InitializeAsync();
        await using var dataSource = NpgsqlDataSource.Create(await own.CreateMigratedDatabaseAsync());
        using var meter = new Meter("test");
        using var spill = new TempDirectory("sentinel-spill");
        using var spillFile = new ResultSpill(spill.Path, 1L << 20, NullLogger.Instance);
        var ready = new DatabaseState();
        ready.MarkReady();
        var metrics = new ResultStorageMetrics(meter, new ResultBuffer(Options.Create(new ResultOptions())), spillFile, new ResultStorageState(TimeProvider.System), ready);
        await using var writer = new ResultBatchWriter(dataSource, metrics, TimeProvider.System, TimeSpan.FromSeconds(30), NullLogger.Instance);
        var checks = Enumerable.Range(0, 200).Select(i => new CheckDefinition { Id = $"busy-{i:D3}", Name = "busy", Type = "tcp", Target = $"127.0.0.1:{i + 1}" }).ToList();
        var start = new DateTimeOffset(2026, 12, 7, 10, 0, 0, TimeSpan.Zero);
        long pagesAfterFirstRound = 0;

        // A batch per second holding a run of every check, as a node with 200 checks every second writes them: each batch
        // rewrites every row of check_latest, whose pages are full of other checks' rows.
        for (var round = 0; round < 15; round++)
        {
            var batch = checks.Select((check, i) =>
            {
                var builder = new ProbeResultBuilder(check);
                builder.Fail("tcp", "tcp_refused", $"{check.Target} refused the connection (run {round})", "nothing listens there");
                var startedAt = start.AddSeconds(round).AddMilliseconds(i);
                return ResultRow.From(builder.Build() with { Id = Guid.CreateVersion7(startedAt), StartedAt = startedAt }, "node-1");
            }).ToList();
            await writer.WriteAsync(batch, TestContext.Current.CancellationToken);
            if (round == 0)
            {
                pagesAfterFirstRound = await PagesAsync(dataSource);
            }
        }

        Assert.Equal(15 * 200, await dataSource.QueryValueAsync<long>("SELECT count(*) FROM results"));
        Assert.Equal(start.AddSeconds(14).AddMilliseconds(199).UtcDateTime,
            (await dataSource.QueryValueAsync<DateTime>("SELECT started_at FROM check_latest WHERE check_id = 'busy-199'")).ToUniversalTime());
        // On full pages each new version goes to a new page (and a new index entry), and the table grows by its whole size
        // with every round until vacuum comes by: 15 times its size after 15 rounds. On half-empty ones it is written
        // beside the old, which is pruned. An autoanalyze of the results partitions holds a snapshot while it runs, so a
        // round or two may add pages: the bound allows that, and stays far below what full pages do.
        var pages = await PagesAsync(dataSource);
        Assert.True(pages <= pagesAfterFirstRound * 3, $"check_latest grew from {pagesAfterFirstRound} to {pages} pages over 15 rounds");

        static Task<long> PagesAsync(NpgsqlDataSource dataSource) =>
            dataSource.QueryValueAsync<long>("SELECT pg_relation_size('check_latest') / current_setting('block_size')::int");
    }

    [Fact]
    public async Task BatchWriter_ResultsPastTheRetention_AreLeftOutCountedOnceAndTheirDayIsNotMadeAgain()
    {
        await using var dataSource = NpgsqlDataSource.Create(await postgres.CreateMigratedDatabaseAsync());
        await using var away = NpgsqlDataSource.Create($"Host=127.0.0.1;Port={TcpPorts.Free()};Username=sentinel;Timeout=2");
        var now = new DateTimeOffset(2026, 6, 15, 12, 0, 0, TimeSpan.Zero);
        using var meter = new Meter("test");
        var expired = new List<long>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter == meter && instrument.Name == "sentinel_results_expired_total")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, value, _, _) => expired.Add(value));
        listener.Start();
        var retention = new ResultRetention(Options.Create(new StorageOptions()), new FakeTimeProvider(now), meter, NullLogger<ResultRetention>.Instance);
        using var spill = new TempDirectory("sentinel-spill");
        using var spillFile = new ResultSpill(spill.Path, 1L << 20, NullLogger.Instance);
        var ready = new DatabaseState();
        ready.MarkReady();
        var metrics = new ResultStorageMetrics(meter, new ResultBuffer(Options.Create(new ResultOptions())), spillFile, new ResultStorageState(TimeProvider.System), ready);
        await using var down = new ResultBatchWriter(away, metrics, TimeProvider.System, TimeSpan.FromSeconds(10), NullLogger.Instance, retention);
        await using var up = new ResultBatchWriter(dataSource, metrics, TimeProvider.System, TimeSpan.FromSeconds(30), NullLogger.Instance, retention);
        var check = new CheckDefinition { Id = "replayed", Name = "replayed", Type = "tcp", Target = "127.0.0.1:9" };

        // Replayed after an outage: a run of a day the retention (30 days) has dropped, and one of yesterday; the first
        // attempt finds PostgreSQL away.
        var old = now.AddDays(-45);
        List<ResultRow> batch =
        [
            ResultRow.From(new ProbeResultBuilder(check).Build() with { Id = Guid.CreateVersion7(old), StartedAt = old }, "node-1"),
            ResultRow.From(new ProbeResultBuilder(check).Build() with { StartedAt = now.AddDays(-1) }, "node-1"),
        ];
        // The counter is exported from the start, at 0.
        Assert.Equal([0L], expired);
        await Assert.ThrowsAnyAsync<Exception>(() => down.WriteAsync(batch, TestContext.Current.CancellationToken));
        Assert.Equal([0L], expired);
        await up.WriteAsync(batch, TestContext.Current.CancellationToken);

        Assert.Equal(now.AddDays(-1).UtcDateTime, (await dataSource.QueryValueAsync<DateTime>("SELECT started_at FROM results")).ToUniversalTime());
        Assert.Equal([0L, 1L], expired);
        Assert.False(await dataSource.QueryValueAsync<bool>("SELECT to_regclass('results_20260501') IS NOT NULL"));
    }

    private sealed record StoredRow(string CheckId, DateTime StartedAt, double DurationMs, string Status, bool Success, string? FailureCategory, string Phases, string Measurements, string Node);
}

using Npgsql;
using Sentinel.Probes.Checks;
using Sentinel.Probes.Probing;
using Sentinel.Testing;
using Sentinel.Worker.Results;
using Sentinel.Worker.Storage;
using Xunit;

namespace Sentinel.Worker.Tests.Storage;

/// <summary>
/// The writer against a PostgreSQL that goes away or loses a commit's acknowledgement, through a proxy on loopback
/// (<see cref="PostgresProxy"/>) so that the shared cluster keeps serving the other tests.
/// </summary>
public sealed class ResultWriterFaultTests(PostgresCluster postgres)
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Writer_DatabaseAway_SpillsWithoutBlockingAndWritesEveryResultOnceWhenBack()
    {
        var database = await postgres.CreateMigratedDatabaseAsync();
        await using var proxy = new PostgresProxy(postgres);
        await using var direct = NpgsqlDataSource.Create(database);
        await using var dataSource = NpgsqlDataSource.Create(proxy.ConnectionString(database));
        await using var harness = new WriterHarness(dataSource);
        harness.Database.MarkReady();
        await harness.Writer.StartAsync(TestContext.Current.CancellationToken);
        var published = new List<ProbeResult>();
        await PublishAsync(harness, published, "before", 5);
        await Eventually.WaitAsync(async () => await CountAsync(direct) == 5, Bound, "the first results, written directly");

        proxy.Down = true;
        await PublishAsync(harness, published, "during", 200);
        await Eventually.WaitAsync(() => harness.Spill.Spilled == 200 && harness.State.Spilled == 200, Bound, "every result of the outage in the spill file");
        Assert.False(harness.State.Up);
        Assert.Matches(@"^results cannot be written: PostgreSQL unreachable since \S+ \(.+\); 200 results spilled$", harness.State.Describe());

        proxy.Down = false;
        await Eventually.WaitAsync(() => harness.Spill.IsEmpty && harness.State.Up, Bound, "the spill file to be replayed");
        await PublishAsync(harness, published, "after", 5);
        await Eventually.WaitAsync(async () => await CountAsync(direct) == 210, Bound, "all 210 results");

        Assert.Equal(210, await direct.QueryValueAsync<long>("SELECT count(DISTINCT id) FROM results"));
        Assert.Equal(published.Select(r => r.Id).Order(), (await direct.QueryListAsync<Guid>("SELECT id FROM results")).Order());
        var newest = published.Where(r => r.CheckId == "after").MaxBy(r => r.StartedAt)!;
        Assert.Equal(newest.Id, await direct.QueryValueAsync<Guid>("SELECT result_id FROM check_latest WHERE check_id = 'after'"));
        Assert.Equal(0, harness.Buffer.Dropped);
        Assert.Null(harness.State.Describe());
    }

    [Fact]
    public async Task Writer_CommitAcknowledgementLost_TheRetryAddsNothingAndLosesNothing()
    {
        var database = await postgres.CreateMigratedDatabaseAsync();
        await using var proxy = new PostgresProxy(postgres);
        await using var direct = NpgsqlDataSource.Create(database);
        await using var dataSource = NpgsqlDataSource.Create(proxy.ConnectionString(database));
        await using var harness = new WriterHarness(dataSource);
        harness.Database.MarkReady();
        proxy.CutAfterCommits(1);
        await harness.Writer.StartAsync(TestContext.Current.CancellationToken);

        var published = new List<ProbeResult>();
        await PublishAsync(harness, published, "acked", 50);

        await Eventually.WaitAsync(() => proxy.CommitsCut == 1, Bound, "a commit whose acknowledgement was cut");

        // The proxy counts the cut before the writer hears of it: until then its rows are committed, the buffer empty and
        // the spill file too. So first the batch whose commit went unacknowledged goes to the spill file, then it is
        // replayed from there.
        await Eventually.WaitAsync(() => harness.Spill.Spilled > 0, Bound, "the unacknowledged batch in the spill file");
        await Eventually.WaitAsync(async () => harness.Spill.IsEmpty && harness.Buffer.Count == 0 && await CountAsync(direct) == 50, Bound,
            "the batch to be written again");
        Assert.Equal(50, await CountAsync(direct));
        Assert.Equal(50, await direct.QueryValueAsync<long>("SELECT count(DISTINCT id) FROM results"));
        Assert.Equal(published.Select(r => r.Id).Order(), (await direct.QueryListAsync<Guid>("SELECT id FROM results")).Order());
    }

    [Fact]
    public async Task Writer_StoppedWhileDatabaseAway_SpillsWhatIsInMemoryAndTheNextStartWritesIt()
    {
        var database = await postgres.CreateMigratedDatabaseAsync();
        await using var proxy = new PostgresProxy(postgres);
        await using var direct = NpgsqlDataSource.Create(database);
        await using var dataSource = NpgsqlDataSource.Create(proxy.ConnectionString(database));
        using var spill = new TempDirectory("sentinel-spill");
        var published = new List<ProbeResult>();
        proxy.Down = true;
        await using (var first = new WriterHarness(dataSource, spill.Path))
        {
            first.Database.MarkReady();
            await first.Writer.StartAsync(TestContext.Current.CancellationToken);
            await PublishAsync(first, published, "stopped", 100);
            await first.StopAsync();
            Assert.True(first.Spill.Rows == 100, $"{first.Spill.Rows} results in the spill file; the writer logged:{Environment.NewLine}" +
                string.Join(Environment.NewLine, first.Logs.Lines.Select(l => $"{l.Level} {l.Message} {l.Exception}")));
        }

        Assert.Equal(0, await CountAsync(direct));
        proxy.Down = false;
        await using var second = new WriterHarness(dataSource, spill.Path);
        second.Database.MarkReady();
        await second.Writer.StartAsync(TestContext.Current.CancellationToken);

        await Eventually.WaitAsync(async () => await CountAsync(direct) == 100 && second.Spill.IsEmpty, Bound, "the spilled results, written at the next start");
        Assert.Equal(published.Select(r => r.Id).Order(), (await direct.QueryListAsync<Guid>("SELECT id FROM results")).Order());
        Assert.Empty(Directory.GetFiles(spill.Path, "*" + ResultSpill.SegmentExtension));
    }

    [Fact]
    public async Task Writer_StoppedBeforeItsLoopBegan_SpillsWhatWasPublished()
    {
        var database = await postgres.CreateMigratedDatabaseAsync();
        await using var proxy = new PostgresProxy(postgres);
        await using var dataSource = NpgsqlDataSource.Create(proxy.ConnectionString(database));
        proxy.Down = true;
        var published = new List<ProbeResult>();
        await using var harness = new WriterHarness(dataSource);
        harness.Database.MarkReady();

        // The host runs the drain loop on the thread pool with a token that a stop cancels, so a stop that beats the pool
        // cancels it unstarted. A start whose own token is cancelled already is that race decided: the loop never begins.
        await PublishAsync(harness, published, "early", 40);
        using var shutdownDuringStart = new CancellationTokenSource();
        await shutdownDuringStart.CancelAsync();
        await harness.Writer.StartAsync(shutdownDuringStart.Token);
        await harness.StopAsync();

        Assert.Equal(40, harness.Spill.Rows);
        Assert.Equal(0, harness.Buffer.Count);
    }

    [Fact]
    public async Task Writer_StoppedBeforeItsLoopRan_WritesWhatWasPublished()
    {
        await using var dataSource = NpgsqlDataSource.Create(await postgres.CreateMigratedDatabaseAsync());
        await using var harness = new WriterHarness(dataSource);
        harness.Database.MarkReady();
        var published = new List<ProbeResult>();

        // A host stopped as it starts: the writer's loop is cancelled before it ever runs.
        await harness.Writer.StartAsync(new CancellationToken(canceled: true));
        await PublishAsync(harness, published, "early", 20);
        await harness.StopAsync();

        Assert.Equal(published.Select(r => r.Id).Order(), (await dataSource.QueryListAsync<Guid>("SELECT id FROM results")).Order());
        Assert.Equal(0, harness.Spill.Rows);
    }

    [Fact]
    public async Task Writer_SpillWithDamagedLines_WritesTheRowsSkipsAndCountsTheRest()
    {
        var database = await postgres.CreateMigratedDatabaseAsync();
        await using var dataSource = NpgsqlDataSource.Create(database);
        using var spill = new TempDirectory("sentinel-spill");
        var check = new CheckDefinition { Id = "damaged", Name = "damaged", Type = "tcp", Target = "127.0.0.1:9" };
        var start = new DateTimeOffset(2026, 12, 7, 10, 0, 0, TimeSpan.Zero);
        var rows = Enumerable.Range(0, 3).Select(i => Row(check, start.AddSeconds(i))).ToList();
        using (var earlier = new ResultSpill(spill.Path, 1L << 30, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance))
        {
            earlier.Open();
            earlier.Append(rows.Take(2).ToList());
            earlier.Append(rows.Skip(2).ToList());
        }

        var segment = Directory.GetFiles(spill.Path, "*" + ResultSpill.SegmentExtension).Single();
        var lines = File.ReadAllLines(segment);
        // A crash cut the last line short; garbage and a row with a bad status got in between.
        File.WriteAllText(segment, lines[0] + "\nnot json at all\n" + lines[1].Replace("\"down\"", "\"sideways\"", StringComparison.Ordinal) + "\n" +
            lines[1] + "\n\u0000\u0001\n" + lines[2][..(lines[2].Length / 2)]);

        await using var harness = new WriterHarness(dataSource, spill.Path);
        harness.Database.MarkReady();
        await harness.Writer.StartAsync(TestContext.Current.CancellationToken);

        await Eventually.WaitAsync(() => harness.Spill.IsEmpty, Bound, "the damaged segment to be replayed");
        Assert.Equal([rows[0].Id, rows[1].Id], (await dataSource.QueryListAsync<Guid>("SELECT id FROM results ORDER BY started_at")).ToArray());
        Assert.Equal(4, harness.Spill.Corrupt);
        Assert.Equal(rows[1].Id, await dataSource.QueryValueAsync<Guid>("SELECT result_id FROM check_latest WHERE check_id = 'damaged'"));
    }

    private static ResultRow Row(CheckDefinition check, DateTimeOffset startedAt)
    {
        var builder = new ProbeResultBuilder(check);
        builder.Fail("tcp", "tcp_refused", "refused", "start it");
        return ResultRow.From(builder.Build() with { Id = Guid.CreateVersion7(startedAt), StartedAt = startedAt }, "node-1");
    }

    private static async Task PublishAsync(WriterHarness harness, List<ProbeResult> published, string checkId, int count)
    {
        var check = new CheckDefinition { Id = checkId, Name = checkId, Type = "tcp", Target = "127.0.0.1:9" };
        for (var i = 0; i < count; i++)
        {
            var startedAt = DateTimeOffset.UtcNow.AddMilliseconds(published.Count);
            var result = new ProbeResultBuilder(check).Build() with { Id = Guid.CreateVersion7(startedAt), StartedAt = startedAt };
            published.Add(result);
            await harness.Pipeline.PublishAsync(check, result, TestContext.Current.CancellationToken);
        }
    }

    private static Task<long> CountAsync(NpgsqlDataSource dataSource) => dataSource.QueryValueAsync<long>("SELECT count(*) FROM results");
}

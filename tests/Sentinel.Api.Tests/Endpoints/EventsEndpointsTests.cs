using System.Diagnostics.Metrics;
using System.Net;
using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;
using Sentinel.Probes.Checks;
using Sentinel.Probes.Probing;
using Sentinel.Testing;
using Sentinel.Worker.Results;
using Sentinel.Worker.Storage;
using Xunit;

namespace Sentinel.Api.Tests.Endpoints;

/// <summary>
/// <c>/v1/events</c> over real HTTP: results and check changes as Server-Sent Events, fed through PostgreSQL's
/// notifications (a row written by another node arrives too), filtered by check, resumed with <c>Last-Event-ID</c>.
/// </summary>
[Collection(ApiHostTests.Name)]
public sealed class EventsEndpointsTests(PostgresCluster postgres)
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(20);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Stream_RunAndChange_ArriveAsResultAndCheckEvents()
    {
        await using var host = await ApiTestHost.StartAsync(postgres);
        var client = host.Client(await host.CreateKeyAsync("ci", "write"));
        await using var stream = await EventStream.OpenAsync(client, "/v1/events");

        await client.PostAsync("/v1/checks", ApiTestHost.Json(ChecksEndpointsTests.Tcp("web", host, "1h")), Ct);
        await client.PostAsync("/v1/checks/web/run", null, Ct);

        var created = await stream.NextAsync(e => e.Type == "check");
        Assert.Equal("web", created.Data.GetProperty("check").GetString());
        Assert.Equal("insert", created.Data.GetProperty("change").GetString());
        var result = await stream.NextAsync(e => e.Type == "result");
        Assert.Equal("web", result.Data.GetProperty("check").GetString());
        Assert.Equal("up", result.Data.GetProperty("status").GetString());
        Assert.NotNull(result.Id);
    }

    [Fact]
    public async Task Stream_ResultWrittenByAnotherNode_Arrives()
    {
        await using var host = await ApiTestHost.StartAsync(postgres);
        var client = host.Client(await host.CreateKeyAsync("ci", "read"));
        await using var stream = await EventStream.OpenAsync(client, "/v1/events?check=far-away");

        // The other node's writer, on a connection of its own.
        await using var otherNode = NpgsqlDataSource.Create(host.Database.ConnectionString);
        using var meter = new Meter("other-node");
        using var spill = new TempDirectory("sentinel-spill");
        using var spillFile = new ResultSpill(spill.Path, 1L << 20, NullLogger.Instance);
        var ready = new DatabaseState();
        ready.MarkReady();
        var metrics = new ResultStorageMetrics(meter, new ResultBuffer(Options.Create(new ResultOptions())), spillFile, new ResultStorageState(TimeProvider.System), ready);
        await using var writer = new ResultBatchWriter(otherNode, metrics, TimeProvider.System, Bound, NullLogger.Instance);
        var check = new CheckDefinition { Id = "far-away", Name = "far-away", Type = "tcp", Target = "127.0.0.1:9" };
        var builder = new ProbeResultBuilder(check);
        builder.Fail("tcp", "tcp_refused", "127.0.0.1:9 refused the connection", "start it");
        var startedAt = DateTimeOffset.UtcNow.AddSeconds(-1);
        startedAt = startedAt.AddTicks(-(startedAt.Ticks % TimeSpan.TicksPerMillisecond));
        var row = ResultRow.From(builder.Build() with { Id = Guid.CreateVersion7(startedAt), StartedAt = startedAt, Duration = TimeSpan.FromMilliseconds(12.5) }, "other-node");
        await writer.WriteAsync([row], Ct);

        var result = await stream.NextAsync(e => e.Type == "result");
        Assert.Equal(
            (row.Id.ToString(), "far-away", "down", startedAt, 12.5, "tcp_refused", "other-node"),
            (result.Data.GetProperty("id").GetString(), result.Data.GetProperty("check").GetString(), result.Data.GetProperty("status").GetString(),
             result.Data.GetProperty("startedAt").GetDateTimeOffset(), result.Data.GetProperty("durationMs").GetDouble(),
             result.Data.GetProperty("category").GetString(), result.Data.GetProperty("node").GetString()));
    }

    [Fact]
    public async Task Stream_BatchWrittenAgain_CarriesOnlyTheResultsNotStoredBefore()
    {
        await using var host = await ApiTestHost.StartAsync(postgres);
        var client = host.Client(await host.CreateKeyAsync("ci", "read"));
        await using var stream = await EventStream.OpenAsync(client, "/v1/events?check=replayed");
        await using var otherNode = NpgsqlDataSource.Create(host.Database.ConnectionString);
        using var meter = new Meter("other-node");
        using var spill = new TempDirectory("sentinel-spill");
        using var spillFile = new ResultSpill(spill.Path, 1L << 20, NullLogger.Instance);
        var ready = new DatabaseState();
        ready.MarkReady();
        var metrics = new ResultStorageMetrics(meter, new ResultBuffer(Options.Create(new ResultOptions())), spillFile, new ResultStorageState(TimeProvider.System), ready);
        await using var writer = new ResultBatchWriter(otherNode, metrics, TimeProvider.System, Bound, NullLogger.Instance);
        var check = new CheckDefinition { Id = "replayed", Name = "replayed", Type = "tcp", Target = "127.0.0.1:9" };
        var rows = Enumerable.Range(0, 3).Select(i =>
        {
            var startedAt = DateTimeOffset.UtcNow.AddSeconds(i - 10);
            return ResultRow.From(new ProbeResultBuilder(check).Build() with { Id = Guid.CreateVersion7(startedAt), StartedAt = startedAt }, "other-node");
        }).ToList();

        // The first written, then all three, as a replay after a crash that followed the first commit writes them.
        await writer.WriteAsync([rows[0]], Ct);
        await writer.WriteAsync(rows, Ct);

        var ids = new List<string?>();
        for (var i = 0; i < 3; i++)
        {
            ids.Add((await stream.NextAsync(e => e.Type == "result")).Data.GetProperty("id").GetString());
        }

        Assert.Equal(rows.Select(r => r.Id.ToString()), ids);
    }

    [Fact]
    public async Task Stream_FilteredByCheck_CarriesOnlyThatCheck()
    {
        await using var host = await ApiTestHost.StartAsync(postgres);
        var client = host.Client(await host.CreateKeyAsync("ci", "write"));
        await using var stream = await EventStream.OpenAsync(client, "/v1/events?check=b");

        await client.PostAsync("/v1/checks", ApiTestHost.Json(ChecksEndpointsTests.Tcp("a", host, "1h")), Ct);
        await client.PostAsync("/v1/checks", ApiTestHost.Json(ChecksEndpointsTests.Tcp("b", host, "1h")), Ct);

        var first = await stream.NextAsync(e => e.Type != "heartbeat");
        Assert.Equal("b", first.Data.GetProperty("check").GetString());
    }

    [Fact]
    public async Task Stream_LastEventId_ResumesWithWhatWasMissed()
    {
        await using var host = await ApiTestHost.StartAsync(postgres);
        var client = host.Client(await host.CreateKeyAsync("ci", "write"));
        string lastSeen;
        await using (var stream = await EventStream.OpenAsync(client, "/v1/events"))
        {
            await client.PostAsync("/v1/checks", ApiTestHost.Json(ChecksEndpointsTests.Tcp("one", host, "1h")), Ct);
            lastSeen = (await stream.NextAsync(e => e.Type == "check")).Id!;
        }

        // While the client is away.
        await client.PostAsync("/v1/checks", ApiTestHost.Json(ChecksEndpointsTests.Tcp("two", host, "1h")), Ct);
        await client.PostAsync("/v1/checks", ApiTestHost.Json(ChecksEndpointsTests.Tcp("three", host, "1h")), Ct);
        await Eventually.WaitAsync(async () => await host.Database.QueryValueAsync<long>("SELECT count(*) FROM checks") == 3, Bound, "the checks");

        await using var resumed = await EventStream.OpenAsync(client, "/v1/events", lastSeen);
        var missed = new[] { await resumed.NextAsync(e => e.Type == "check"), await resumed.NextAsync(e => e.Type == "check") };

        Assert.Equal(["two", "three"], missed.Select(e => e.Data.GetProperty("check").GetString()));
    }

    [Fact]
    public async Task Stream_UnknownLastEventId_StartsWithAReset()
    {
        await using var host = await ApiTestHost.StartAsync(postgres);
        var client = host.Client(await host.CreateKeyAsync("ci", "read"));

        await using var stream = await EventStream.OpenAsync(client, "/v1/events", "0badc0de.17");

        Assert.Equal("reset", (await stream.NextAsync(_ => true)).Type);
    }

    [Fact]
    public async Task Stream_Idle_SendsHeartbeats()
    {
        await using var host = await ApiTestHost.StartAsync(postgres, settings: new Dictionary<string, string?> { ["Sentinel:Api:EventHeartbeat"] = "00:00:01" });
        var client = host.Client(await host.CreateKeyAsync("ci", "read"));

        await using var stream = await EventStream.OpenAsync(client, "/v1/events");

        Assert.Equal("heartbeat", (await stream.NextAsync(_ => true)).Type);
    }

    [Fact]
    public async Task Stream_BadCheckFilter_Answers400()
    {
        await using var host = await ApiTestHost.StartAsync(postgres);
        var client = host.Client(await host.CreateKeyAsync("ci", "read"));

        var response = await client.GetAsync("/v1/events?check=..%2Fx", Ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("urn:sentinel:problem:invalid-parameter", (await ChecksEndpointsTests.Body(response)).GetProperty("type").GetString());
    }

    private sealed record SseEvent(string? Id, string Type, JsonElement Data);

    /// <summary>An open event stream, read line by line as the SSE format defines (id, event, data, blank line).</summary>
    private sealed class EventStream : IAsyncDisposable
    {
        private readonly HttpResponseMessage _response;
        private readonly StreamReader _reader;
        private readonly CancellationTokenSource _stop = CancellationTokenSource.CreateLinkedTokenSource(Ct);

        private EventStream(HttpResponseMessage response, StreamReader reader)
        {
            _response = response;
            _reader = reader;
        }

        public static async Task<EventStream> OpenAsync(HttpClient client, string path, string? lastEventId = null)
        {
            var request = new HttpRequestMessage(HttpMethod.Get, path);
            if (lastEventId is not null)
            {
                request.Headers.Add("Last-Event-ID", lastEventId);
            }

            var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, Ct);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
            return new EventStream(response, new StreamReader(await response.Content.ReadAsStreamAsync(Ct)));
        }

        /// <summary>The next event that <paramref name="wanted"/> accepts, within a bound.</summary>
        public async Task<SseEvent> NextAsync(Func<SseEvent, bool> wanted)
        {
            using var bound = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
            bound.CancelAfter(Bound);
            string? id = null, type = "message", data = null;
            while (await _reader.ReadLineAsync(bound.Token) is { } line)
            {
                if (line.Length == 0)
                {
                    if (data is not null)
                    {
                        var item = new SseEvent(id, type, JsonDocument.Parse(data).RootElement.Clone());
                        if (wanted(item))
                        {
                            return item;
                        }
                    }

                    (id, type, data) = (null, "message", null);
                    continue;
                }

                var colon = line.IndexOf(':', StringComparison.Ordinal);
                var (field, value) = colon < 0 ? (line, "") : (line[..colon], line[(colon + 1)..].TrimStart(' '));
                switch (field)
                {
                    case "id": id = value; break;
                    case "event": type = value; break;
                    case "data": data = data is null ? value : data + "\n" + value; break;
                }
            }

            throw new InvalidOperationException("the event stream ended");
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            _reader.Dispose();
            _response.Dispose();
            _stop.Dispose();
        }
    }
}

using System.Globalization;
using System.Net;
using System.Text.Json;
using Sentinel.Testing;
using Xunit;

namespace Sentinel.Api.Tests.Endpoints;

/// <summary>
/// <c>/v1/checks/{id}/latest</c>, <c>/results</c> and <c>/uptime</c> through real Kestrel and a real PostgreSQL: runs made
/// through the API and rows stored as another node would store them.
/// </summary>
[Collection(ApiHostTests.Name)]
public sealed class CheckResultsEndpointsTests(PostgresCluster postgres)
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(20);

    /// <summary>Rows stored by hand for hours ago are read from rollups once a round a second behind the present has passed them.</summary>
    private static readonly Dictionary<string, string?> QuickRollups = new() { ["Sentinel:Storage:RollupMargin"] = "00:00:01" };

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Latest_StateChanges_SinceIsTheFirstRunOfTheStateAndTheLastFailureStays()
    {
        await using var host = await ApiTestHost.StartAsync(postgres);
        var client = host.Client(await host.CreateKeyAsync("ci", "write"));
        var created = await client.PostAsync("/v1/checks", ApiTestHost.Json(Closed("flappy")), Ct);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);

        var firstDown = await RunAsync(host, client, "flappy", 1);
        await RunAsync(host, client, "flappy", 2);
        var down = await Latest(client, "flappy");
        Assert.Equal("down", down.GetProperty("latest").GetProperty("status").GetString());
        Assert.Equal(JsonValueKind.Null, down.GetProperty("latest").GetProperty("scheduledAt").ValueKind);
        Assert.Equal(firstDown, down.GetProperty("statusSince").GetDateTimeOffset());
        Assert.Equal("tcp_refused", down.GetProperty("lastFailure").GetProperty("category").GetString());
        Assert.False(string.IsNullOrWhiteSpace(down.GetProperty("lastFailure").GetProperty("hint").GetString()));

        var etag = (await client.GetAsync("/v1/checks/flappy", Ct)).Headers.ETag!.Tag;
        var replaced = await ChecksEndpointsTests.Send(client, HttpMethod.Put, "/v1/checks/flappy", ChecksEndpointsTests.Tcp("flappy", host, "1h"), etag);
        Assert.Equal(HttpStatusCode.OK, replaced.StatusCode);
        var firstUp = await RunAsync(host, client, "flappy", 3);
        await RunAsync(host, client, "flappy", 4);

        var up = await Latest(client, "flappy");
        Assert.Equal("up", up.GetProperty("latest").GetProperty("status").GetString());
        Assert.Equal(firstUp, up.GetProperty("statusSince").GetDateTimeOffset());
        var failure = up.GetProperty("lastFailure");
        Assert.Equal("tcp_refused", failure.GetProperty("category").GetString());
        Assert.True(failure.GetProperty("at").GetDateTimeOffset() < firstUp);
        Assert.Equal("flappy", up.GetProperty("check").GetString());
    }

    [Fact]
    public async Task Latest_NeverRan_AnswersTheCheckWithoutARun()
    {
        await using var host = await ApiTestHost.StartAsync(postgres);
        var client = host.Client(await host.CreateKeyAsync("ci", "write"));
        await client.PostAsync("/v1/checks", ApiTestHost.Json(ChecksEndpointsTests.Tcp("idle", host, "1h", """, "labels": { "team": "payments" }""")), Ct);

        var latest = await Latest(client, "idle");

        Assert.Equal(JsonValueKind.Null, latest.GetProperty("latest").ValueKind);
        Assert.Equal(JsonValueKind.Null, latest.GetProperty("statusSince").ValueKind);
        Assert.Equal("payments", latest.GetProperty("labels").GetProperty("team").GetString());
    }

    [Fact]
    public async Task Results_ShortRange_RawRunsPagedWithALinkToTheNext()
    {
        await using var host = await ApiTestHost.StartAsync(postgres);
        var client = host.Client(await host.CreateKeyAsync("ci", "write"));
        await client.PostAsync("/v1/checks", ApiTestHost.Json(ChecksEndpointsTests.Tcp("db", host, "1h")), Ct);
        var start = Minute(DateTimeOffset.UtcNow.AddMinutes(-50));
        await InsertAsync(host, "db", Enumerable.Range(0, 5).Select(i => (start.AddMinutes(i), i == 2 ? "down" : "up")));
        var range = $"from={Iso(start)}&to={Iso(start.AddMinutes(10))}";

        var first = await client.GetAsync($"/v1/checks/db/results?{range}&limit=3", Ct);

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        var page = await ChecksEndpointsTests.Body(first);
        Assert.Equal("raw", page.GetProperty("resolution").GetString());
        Assert.Equal(["up", "up", "down"], page.GetProperty("runs").EnumerateArray().Select(r => r.GetProperty("status").GetString()));
        Assert.Equal(start.AddMinutes(3), page.GetProperty("next").GetDateTimeOffset());
        var link = first.Headers.GetValues("Link").Single();
        var next = link[1..link.IndexOf('>', StringComparison.Ordinal)];
        var second = await ChecksEndpointsTests.Body(await client.GetAsync(next, Ct));
        Assert.Equal([start.AddMinutes(3), start.AddMinutes(4)], second.GetProperty("runs").EnumerateArray().Select(r => r.GetProperty("startedAt").GetDateTimeOffset()));
        Assert.Equal([start.AddMinutes(3).AddMilliseconds(-250), start.AddMinutes(4).AddMilliseconds(-250)],
            second.GetProperty("runs").EnumerateArray().Select(r => r.GetProperty("scheduledAt").GetDateTimeOffset()));
        Assert.Equal(JsonValueKind.Null, second.GetProperty("next").ValueKind);
    }

    [Fact]
    public async Task Results_LongRange_HourBuckets()
    {
        await using var host = await ApiTestHost.StartAsync(postgres, settings: QuickRollups);
        var client = host.Client(await host.CreateKeyAsync("ci", "write"));
        await client.PostAsync("/v1/checks", ApiTestHost.Json(ChecksEndpointsTests.Tcp("db", host, "1h")), Ct);
        var hour = Minute(DateTimeOffset.UtcNow.AddHours(-30));
        hour = hour.AddMinutes(-hour.Minute);
        await InsertAsync(host, "db", [(hour.AddMinutes(1), "up"), (hour.AddMinutes(2), "down"), (hour.AddMinutes(61), "up")]);
        var path = $"/v1/checks/db/results?from={Iso(DateTimeOffset.UtcNow.AddDays(-3))}&to={Iso(hour.AddHours(2))}";
        await host.RollUpUntilAsync(async () => (await ChecksEndpointsTests.Body(await client.GetAsync(path, Ct))).GetProperty("buckets").GetArrayLength() == 2);

        var page = await ChecksEndpointsTests.Body(await client.GetAsync(path, Ct));

        Assert.Equal("hour", page.GetProperty("resolution").GetString());
        var buckets = page.GetProperty("buckets").EnumerateArray().ToList();
        Assert.Equal([(hour, 2, 1), (hour.AddHours(1), 1, 0)], buckets.Select(b => (b.GetProperty("start").GetDateTimeOffset(), b.GetProperty("runs").GetInt32(), b.GetProperty("down").GetInt32())));
    }

    [Fact]
    public async Task Uptime_CountsUpAndDegradedOfTheKnownRuns()
    {
        await using var host = await ApiTestHost.StartAsync(postgres, settings: QuickRollups);
        var client = host.Client(await host.CreateKeyAsync("ci", "read"));
        await host.Database.ExecuteAsync(
            "INSERT INTO checks (id, type, target, name, interval_ms, timeout_ms, enabled, labels, definition, origin) " +
            "VALUES ('web', 'tcp', '127.0.0.1:9', 'web', 60000, 10000, false, '{}', '{\"id\": \"web\", \"type\": \"tcp\", \"target\": \"127.0.0.1:9\", \"enabled\": false}', 'api')");
        var start = Minute(DateTimeOffset.UtcNow.AddHours(-2));
        string[] statuses = ["up", "up", "up", "up", "up", "degraded", "down", "unknown"];
        await InsertAsync(host, "web", statuses.Select((s, i) => (start.AddMinutes(i), s)));
        var narrowPath = $"/v1/checks/web/uptime?from={Iso(start.AddMinutes(6))}&to={Iso(start.AddMinutes(7))}";
        await host.RollUpUntilAsync(async () => (await ChecksEndpointsTests.Body(await client.GetAsync("/v1/checks/web/uptime", Ct))).GetProperty("runs").GetInt32() == 8
            && (await ChecksEndpointsTests.Body(await client.GetAsync(narrowPath, Ct))).GetProperty("runs").GetInt32() == 1);

        var uptime = await ChecksEndpointsTests.Body(await client.GetAsync("/v1/checks/web/uptime", Ct));
        var narrow = await ChecksEndpointsTests.Body(await client.GetAsync(narrowPath, Ct));

        Assert.Equal((8, 5, 1, 1, 1), (uptime.GetProperty("runs").GetInt32(), uptime.GetProperty("up").GetInt32(), uptime.GetProperty("degraded").GetInt32(),
            uptime.GetProperty("down").GetInt32(), uptime.GetProperty("unknown").GetInt32()));
        Assert.Equal(6.0 / 7, uptime.GetProperty("ratio").GetDouble(), 9);
        Assert.True(narrow.GetProperty("down").GetInt32() == 1 && narrow.GetProperty("runs").GetInt32() == 1, narrow.ToString());
        Assert.Equal(0.0, narrow.GetProperty("ratio").GetDouble());
    }

    [Theory]
    [InlineData("/v1/checks/nope/latest")]
    [InlineData("/v1/checks/nope/results")]
    [InlineData("/v1/checks/nope/uptime")]
    public async Task UnknownCheck_Answers404(string path)
    {
        await using var host = await ApiTestHost.StartAsync(postgres);
        var client = host.Client(await host.CreateKeyAsync("ci", "read"));

        var response = await client.GetAsync(path, Ct);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("no check has the id \"nope\"", (await ChecksEndpointsTests.Body(response)).GetProperty("detail").GetString());
    }

    [Theory]
    [InlineData("from=yesterday", "from: not a time such as 2026-03-10T12:00:00Z")]
    [InlineData("from=2026-03-10", "from: not a time such as 2026-03-10T12:00:00Z")]
    [InlineData("to=2026-03-10T12:00:00", "to: not a time such as 2026-03-10T12:00:00Z")]
    [InlineData("from=2026-03-10T12:00:00Z&to=2026-03-10T11:00:00Z", "from: must be before to")]
    [InlineData("from=2024-01-01T00:00:00Z&to=2026-01-01T00:00:00Z", "from: the range may span at most 400 days")]
    [InlineData("from=1969-12-31T00:00:00Z&to=1970-01-02T00:00:00Z", "from: must lie between 1970-01-01 and a day from now")]
    [InlineData("limit=-1", "limit: must be a whole number from 1 to 10000")]
    [InlineData("limit=100000", "limit: must be a whole number from 1 to 10000")]
    [InlineData("resolution=second", "resolution: must be raw, minute or hour")]
    public async Task Results_BadQuery_Answers400NamingTheParameter(string query, string detail)
    {
        await using var host = await ApiTestHost.StartAsync(postgres);
        var client = host.Client(await host.CreateKeyAsync("ci", "write"));
        await client.PostAsync("/v1/checks", ApiTestHost.Json(ChecksEndpointsTests.Tcp("db", host, "1h")), Ct);

        var response = await client.GetAsync("/v1/checks/db/results?" + query, Ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await ChecksEndpointsTests.Body(response);
        Assert.Equal("urn:sentinel:problem:invalid-parameter", problem.GetProperty("type").GetString());
        Assert.StartsWith(detail, problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    internal static string Closed(string id) =>
        $$"""{ "id": "{{id}}", "type": "tcp", "target": "127.0.0.1:{{TcpPorts.Free()}}", "interval": "1h" }""";

    /// <summary>Runs the check through the API, waits until the <paramref name="count"/>th run is its latest stored, and returns when it started.</summary>
    internal static async Task<DateTimeOffset> RunAsync(ApiTestHost host, HttpClient client, string id, int count)
    {
        var run = await client.PostAsync($"/v1/checks/{id}/run", null, Ct);
        Assert.Equal(HttpStatusCode.OK, run.StatusCode);
        await Eventually.WaitAsync(async () => await host.Database.QueryValueAsync<long>("SELECT count(*) FROM results WHERE check_id = @id", new { id }) == count
            && await host.Database.QueryValueAsync<long>("SELECT count(*) FROM check_latest l WHERE check_id = @id AND started_at = (SELECT max(started_at) FROM results WHERE check_id = @id)", new { id }) == 1,
            Bound, $"run {count} of {id} to be stored");
        return (await Latest(client, id)).GetProperty("latest").GetProperty("startedAt").GetDateTimeOffset();
    }

    internal static async Task<JsonElement> Latest(HttpClient client, string id)
    {
        var response = await client.GetAsync($"/v1/checks/{id}/latest", Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await ChecksEndpointsTests.Body(response);
    }

    /// <summary>Rows stored as another node's writer stores them, into their day partitions.</summary>
    internal static async Task InsertAsync(ApiTestHost host, string check, IEnumerable<(DateTimeOffset At, string Status)> runs)
    {
        foreach (var (at, status) in runs)
        {
            await host.Database.ExecuteAsync(
                """
                SELECT sentinel_results_partition((@at AT TIME ZONE 'UTC')::date);
                INSERT INTO results (check_id, started_at, duration_ms, status, phases, measurements, problems, findings, node, scheduled_at)
                VALUES (@check, @at, 12.5, @status, '{"connect": 1.5}', '{}', '[]', '[]', 'other-node', @at - interval '250 ms');
                """, new { check, at = at.UtcDateTime, status });
        }
    }

    internal static DateTimeOffset Minute(DateTimeOffset at) => new(at.UtcTicks - (at.UtcTicks % TimeSpan.TicksPerMinute), TimeSpan.Zero);

    internal static string Iso(DateTimeOffset at) => Uri.EscapeDataString(at.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.FFFFFFFZ", CultureInfo.InvariantCulture));
}

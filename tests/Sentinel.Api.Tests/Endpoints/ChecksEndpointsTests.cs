using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Quartz;
using Sentinel.Testing;
using Sentinel.Worker.Scheduling;
using Xunit;

namespace Sentinel.Api.Tests.Endpoints;

/// <summary>The checks resource through real Kestrel and a real PostgreSQL: every endpoint's success paths and the change rules.</summary>
[Collection(ApiHostTests.Name)]
public sealed class ChecksEndpointsTests(PostgresCluster postgres)
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(20);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Create_ValidCheck_Answers201WithLocationETagAndTheCheck()
    {
        await using var host = await ApiTestHost.StartAsync(postgres);
        var client = host.Client(await host.CreateKeyAsync("ci", "write"));

        var response = await client.PostAsync("/v1/checks", ApiTestHost.Json(Tcp("web", host, "30s", """, "labels": { "team": "payments" }""")), Ct);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal("/v1/checks/web", response.Headers.Location?.ToString());
        Assert.NotNull(response.Headers.ETag);
        var body = await Body(response);
        Assert.Equal("web", body.GetProperty("id").GetString());
        Assert.Equal("api", body.GetProperty("origin").GetString());
        Assert.Equal("pending", body.GetProperty("status").GetString());
        Assert.Equal("payments", body.GetProperty("check").GetProperty("labels").GetProperty("team").GetString());
        Assert.Equal("create", await host.Database.QueryValueAsync<string>("SELECT action FROM check_changes WHERE check_id = 'web'"));
    }

    [Fact]
    public async Task Get_ExistingCheck_AnswersItWithTheETagOfItsVersion()
    {
        await using var host = await ApiTestHost.StartAsync(postgres);
        var client = host.Client(await host.CreateKeyAsync("ci", "write"));
        var created = await client.PostAsync("/v1/checks", ApiTestHost.Json(Tcp("web", host)), Ct);

        var response = await client.GetAsync("/v1/checks/web", Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(created.Headers.ETag, response.Headers.ETag);
        Assert.Equal(1, (await Body(response)).GetProperty("version").GetInt32());
    }

    [Fact]
    public async Task Put_WithCurrentETag_ReplacesAndBumpsTheVersion()
    {
        await using var host = await ApiTestHost.StartAsync(postgres);
        var client = host.Client(await host.CreateKeyAsync("ci", "write"));
        var created = await client.PostAsync("/v1/checks", ApiTestHost.Json(Tcp("web", host, "30s")), Ct);

        var response = await Send(client, HttpMethod.Put, "/v1/checks/web", Tcp("web", host, "45s"), created.Headers.ETag!.Tag);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await Body(response);
        Assert.Equal("45s", body.GetProperty("check").GetProperty("interval").GetString());
        Assert.Equal(2, body.GetProperty("version").GetInt32());
        Assert.NotEqual(created.Headers.ETag, response.Headers.ETag);
        Assert.Equal(45_000, await host.Database.QueryValueAsync<int>("SELECT interval_ms FROM checks WHERE id = 'web'"));
    }

    [Fact]
    public async Task Patch_MergePatch_ChangesAndRemovesMembers()
    {
        await using var host = await ApiTestHost.StartAsync(postgres);
        var client = host.Client(await host.CreateKeyAsync("ci", "write"));
        var created = await client.PostAsync("/v1/checks", ApiTestHost.Json(Tcp("web", host, "30s", """, "labels": { "team": "payments", "env": "prod" }""")), Ct);

        var response = await Send(client, HttpMethod.Patch, "/v1/checks/web", """{ "interval": "20s", "labels": { "env": null } }""", created.Headers.ETag!.Tag, "application/merge-patch+json");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var check = (await Body(response)).GetProperty("check");
        Assert.Equal("20s", check.GetProperty("interval").GetString());
        Assert.Equal("""{"team":"payments"}""", check.GetProperty("labels").GetRawText());
        Assert.Equal("patch", await host.Database.QueryValueAsync<string>("SELECT action FROM check_changes WHERE check_id = 'web' ORDER BY id DESC LIMIT 1"));
    }

    [Fact]
    public async Task Patch_ResultInvalid_Answers422WithThePath()
    {
        await using var host = await ApiTestHost.StartAsync(postgres);
        var client = host.Client(await host.CreateKeyAsync("ci", "write"));
        var created = await client.PostAsync("/v1/checks", ApiTestHost.Json(Tcp("web", host, "30s")), Ct);

        var response = await Send(client, HttpMethod.Patch, "/v1/checks/web", """{ "timeout": "1m" }""", created.Headers.ETag!.Tag, "application/merge-patch+json");

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        var error = Assert.Single((await Body(response)).GetProperty("errors").EnumerateArray());
        Assert.Equal("$.timeout", error.GetProperty("path").GetString());
        Assert.Equal("must be below the interval (30s) so that runs cannot overlap, got \"1m\"", error.GetProperty("message").GetString());
    }

    [Fact]
    public async Task Delete_WithCurrentETag_Answers204AndKeepsTheHistory()
    {
        await using var host = await ApiTestHost.StartAsync(postgres);
        var client = host.Client(await host.CreateKeyAsync("ci", "write"));
        var created = await client.PostAsync("/v1/checks", ApiTestHost.Json(Tcp("web", host)), Ct);

        var response = await Send(client, HttpMethod.Delete, "/v1/checks/web", null, created.Headers.ETag!.Tag);

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/v1/checks/web", Ct)).StatusCode);
        var history = await Body(await client.GetAsync("/v1/checks/web/history", Ct));
        Assert.Equal(["delete", "create"], history.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("action").GetString()));
    }

    [Fact]
    public async Task History_RecordsKeyTimeBeforeAndAfter()
    {
        await using var host = await ApiTestHost.StartAsync(postgres);
        var writer = host.Client(await host.CreateKeyAsync("deployer", "write"));
        var created = await writer.PostAsync("/v1/checks", ApiTestHost.Json(Tcp("web", host, "30s")), Ct);
        await Send(writer, HttpMethod.Put, "/v1/checks/web", Tcp("web", host, "40s"), created.Headers.ETag!.Tag);
        var reader = host.Client(await host.CreateKeyAsync("viewer", "read"));

        var response = await reader.GetAsync("/v1/checks/web/history", Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var items = (await Body(response)).GetProperty("items").EnumerateArray().ToList();
        Assert.Equal(2, items.Count);
        var replace = items[0];
        Assert.Equal("replace", replace.GetProperty("action").GetString());
        Assert.Equal("deployer", replace.GetProperty("key").GetString());
        Assert.Equal("30s", replace.GetProperty("before").GetProperty("interval").GetString());
        Assert.Equal("40s", replace.GetProperty("after").GetProperty("interval").GetString());
        Assert.InRange(replace.GetProperty("at").GetDateTimeOffset(), DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddMinutes(1));
        Assert.Equal(JsonValueKind.Null, items[1].GetProperty("before").ValueKind);
    }

    [Fact]
    public async Task History_PagesWithACursor()
    {
        await using var host = await ApiTestHost.StartAsync(postgres);
        var client = host.Client(await host.CreateKeyAsync("ci", "write"));
        var etag = (await client.PostAsync("/v1/checks", ApiTestHost.Json(Tcp("web", host, "30s")), Ct)).Headers.ETag!.Tag;
        foreach (var interval in new[] { "31s", "32s", "33s" })
        {
            etag = (await Send(client, HttpMethod.Put, "/v1/checks/web", Tcp("web", host, interval), etag)).Headers.ETag!.Tag;
        }

        var first = await Body(await client.GetAsync("/v1/checks/web/history?limit=3", Ct));
        var second = await Body(await client.GetAsync($"/v1/checks/web/history?limit=3&cursor={first.GetProperty("nextCursor").GetString()}", Ct));

        Assert.Equal(3, first.GetProperty("items").GetArrayLength());
        Assert.Equal("create", Assert.Single(second.GetProperty("items").EnumerateArray()).GetProperty("action").GetString());
        Assert.Equal(JsonValueKind.Null, second.GetProperty("nextCursor").ValueKind);
    }

    [Fact]
    public async Task TwoClientsWithTheSameETag_OneWinsTheOtherGets412()
    {
        await using var host = await ApiTestHost.StartAsync(postgres);
        var alice = host.Client(await host.CreateKeyAsync("alice", "write"));
        var bob = host.Client(await host.CreateKeyAsync("bob", "write"));
        var etag = (await alice.PostAsync("/v1/checks", ApiTestHost.Json(Tcp("web", host, "30s")), Ct)).Headers.ETag!.Tag;

        var answers = await Task.WhenAll(
            Send(alice, HttpMethod.Put, "/v1/checks/web", Tcp("web", host, "40s"), etag),
            Send(bob, HttpMethod.Put, "/v1/checks/web", Tcp("web", host, "50s"), etag));

        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.PreconditionFailed], answers.Select(a => a.StatusCode).Order());
        var loser = answers.Single(a => a.StatusCode == HttpStatusCode.PreconditionFailed);
        Assert.Equal("urn:sentinel:problem:precondition-failed", (await Body(loser)).GetProperty("type").GetString());
        var winner = answers.Single(a => a.StatusCode == HttpStatusCode.OK);
        var interval = (await Body(winner)).GetProperty("check").GetProperty("interval").GetString();
        Assert.Equal(interval == "40s" ? 40_000 : 50_000, await host.Database.QueryValueAsync<int>("SELECT interval_ms FROM checks WHERE id = 'web'"));
        Assert.Equal(1, await host.Database.QueryValueAsync<long>("SELECT count(*) FROM check_changes WHERE action = 'replace'"));
    }

    [Fact]
    public async Task FileCheck_ChangeOrCreate_Answers409NamingTheFile()
    {
        await using var host = await ApiTestHost.StartAsync(postgres, dir => dir.Write("team/web.json", """{ "id": "filed", "type": "tcp", "target": "127.0.0.1:9" }"""));
        var client = host.Client(await host.CreateKeyAsync("ci", "write"));
        await Eventually.WaitAsync(async () => (await client.GetAsync("/v1/checks/filed", Ct)).IsSuccessStatusCode, Bound, "the file check to be synced");
        var file = Path.Combine(host.Checks.Path, "team", "web.json");

        var put = await Send(client, HttpMethod.Put, "/v1/checks/filed", """{ "id": "filed", "type": "tcp", "target": "127.0.0.1:10" }""", "*");
        var post = await client.PostAsync("/v1/checks", ApiTestHost.Json("""{ "id": "filed", "type": "tcp", "target": "127.0.0.1:10" }"""), Ct);

        foreach (var response in new[] { put, post })
        {
            Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
            var problem = await Body(response);
            Assert.Equal("urn:sentinel:problem:file-owned", problem.GetProperty("type").GetString());
            Assert.Equal(file, problem.GetProperty("file").GetString());
            Assert.Contains(file, problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Create_DuplicateId_Answers409()
    {
        await using var host = await ApiTestHost.StartAsync(postgres);
        var client = host.Client(await host.CreateKeyAsync("ci", "write"));
        await client.PostAsync("/v1/checks", ApiTestHost.Json(Tcp("web", host)), Ct);

        var response = await client.PostAsync("/v1/checks", ApiTestHost.Json(Tcp("web", host, "20s")), Ct);

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Equal("urn:sentinel:problem:duplicate-id", (await Body(response)).GetProperty("type").GetString());
        Assert.Equal(60_000, await host.Database.QueryValueAsync<int>("SELECT interval_ms FROM checks WHERE id = 'web'"));
    }

    [Fact]
    public async Task List_FiltersByTypeLabelAndStatus()
    {
        await using var host = await ApiTestHost.StartAsync(postgres);
        var client = host.Client(await host.CreateKeyAsync("ci", "write"));
        await client.PostAsync("/v1/checks", ApiTestHost.Json(Tcp("pay-db", host, "60s", """, "labels": { "team": "payments" }""")), Ct);
        await client.PostAsync("/v1/checks", ApiTestHost.Json(Tcp("search-db", host, "60s", """, "labels": { "team": "search" }""")), Ct);
        await client.PostAsync("/v1/checks", ApiTestHost.Json("""{ "id": "pay-web", "type": "http", "target": "http://127.0.0.1:9/", "labels": { "team": "payments" } }"""), Ct);
        await client.PostAsync("/v1/checks/search-db/pause", null, Ct);

        Assert.Equal(["pay-db", "pay-web"], await Ids(client, "/v1/checks?label=team:payments"));
        Assert.Equal(["pay-db"], await Ids(client, "/v1/checks?label=team:payments&type=tcp"));
        Assert.Equal(["search-db"], await Ids(client, "/v1/checks?status=paused"));
        Assert.Empty(await Ids(client, "/v1/checks?label=team:payments&label=env:prod"));
    }

    [Fact]
    public async Task List_PagesStayStableWhileChecksAreInserted()
    {
        await using var host = await ApiTestHost.StartAsync(postgres);
        var client = host.Client(await host.CreateKeyAsync("ci", "write"));
        var original = Enumerable.Range(0, 30).Select(i => $"c{i:D2}").ToList();
        foreach (var id in original)
        {
            Assert.Equal(HttpStatusCode.Created, (await client.PostAsync("/v1/checks", ApiTestHost.Json(Tcp(id, host)), Ct)).StatusCode);
        }

        var seen = new List<string>();
        string? cursor = null;
        var page = 0;
        do
        {
            var body = await Body(await client.GetAsync("/v1/checks?limit=7" + (cursor is null ? "" : "&cursor=" + cursor), Ct));
            seen.AddRange(body.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("id").GetString()!));
            cursor = body.GetProperty("nextCursor").GetString();

            // Between pages, checks appear before, inside and after the part already read.
            foreach (var id in new[] { $"a{page}", $"c{page * 7:D2}x", $"z{page}" })
            {
                await client.PostAsync("/v1/checks", ApiTestHost.Json(Tcp(id, host)), Ct);
            }

            page++;
        }
        while (cursor is not null && page < 20);

        Assert.Equal(seen.Count, seen.Distinct().Count());
        Assert.All(original, id => Assert.Contains(id, seen));
        Assert.Equal(seen.Order(StringComparer.Ordinal), seen);
    }

    [Fact]
    public async Task PauseAndResume_StopAndRestartScheduling()
    {
        await using var host = await ApiTestHost.StartAsync(postgres);
        var client = host.Client(await host.CreateKeyAsync("ci", "write"));
        await client.PostAsync("/v1/checks", ApiTestHost.Json(Tcp("web", host, "1h")), Ct);
        var registry = host.Services.GetRequiredService<CheckRegistry>();
        await Eventually.WaitAsync(() => registry.TryGet("web", out _), Bound, "the check to be scheduled");

        var paused = await client.PostAsync("/v1/checks/web/pause", null, Ct);
        Assert.Equal("paused", (await Body(paused)).GetProperty("status").GetString());
        await Eventually.WaitAsync(() => !registry.TryGet("web", out _), Bound, "the paused check to be unscheduled");

        var resumed = await client.PostAsync("/v1/checks/web/resume", null, Ct);
        Assert.Equal("pending", (await Body(resumed)).GetProperty("status").GetString());
        await Eventually.WaitAsync(() => registry.TryGet("web", out _), Bound, "the resumed check to be scheduled again");
        var actions = await host.Database.QueryListAsync<string>("SELECT action FROM check_changes WHERE check_id = 'web' ORDER BY id");
        Assert.Equal(["create", "pause", "resume"], actions);
    }

    [Fact]
    public async Task Run_StoresAndReturnsTheResult()
    {
        await using var host = await ApiTestHost.StartAsync(postgres);
        var client = host.Client(await host.CreateKeyAsync("ci", "write"));
        await client.PostAsync("/v1/checks", ApiTestHost.Json(Tcp("web", host, "1h")), Ct);

        var response = await client.PostAsync("/v1/checks/web/run", null, Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var result = await Body(response);
        Assert.Equal("up", result.GetProperty("status").GetString());
        Assert.Equal("web", result.GetProperty("check").GetString());
        await Eventually.WaitAsync(async () => await host.Database.QueryValueAsync<long>("SELECT count(*) FROM results WHERE check_id = 'web'") == 1, Bound, "the run's result to be stored");
        Assert.Equal("up", (await Body(await client.GetAsync("/v1/checks/web", Ct))).GetProperty("status").GetString());
    }

    [Fact]
    public async Task Run_OnANodeOfRoleApi_Answers503()
    {
        await using var host = await ApiTestHost.StartAsync(postgres, settings: new Dictionary<string, string?> { ["Sentinel:Node:Role"] = "api" });
        var client = host.Client(await host.CreateKeyAsync("ci", "write"));
        await client.PostAsync("/v1/checks", ApiTestHost.Json(Tcp("web", host, "1h")), Ct);

        var response = await client.PostAsync("/v1/checks/web/run", null, Ct);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("urn:sentinel:problem:unavailable", (await Body(response)).GetProperty("type").GetString());
        Assert.Equal(0, await host.Database.QueryValueAsync<long>("SELECT count(*) FROM results"));
    }

    [Fact]
    public async Task CreatedCheck_RunsWithinItsInterval_AndDeleteRemovesItFromScheduleAndMetrics()
    {
        await using var host = await ApiTestHost.StartAsync(postgres);
        var client = host.Client(await host.CreateKeyAsync("ci", "write"));
        var created = await client.PostAsync("/v1/checks", ApiTestHost.Json(Tcp("api-made", host, "2s")), Ct);

        await Eventually.WaitAsync(async () => await host.Database.QueryValueAsync<long>("SELECT count(*) FROM results WHERE check_id = 'api-made'") >= 1,
            TimeSpan.FromSeconds(15), "a scheduled run of the check created through the API");
        await Eventually.WaitAsync(async () => (await client.GetStringAsync("/metrics", Ct)).Contains("\"api-made\"", StringComparison.Ordinal), Bound, "the check's series");

        var deleted = await Send(client, HttpMethod.Delete, "/v1/checks/api-made", null, (await client.GetAsync("/v1/checks/api-made", Ct)).Headers.ETag!.Tag);
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);

        var scheduler = await host.Services.GetRequiredService<ISchedulerFactory>().GetScheduler(Ct);
        await Eventually.WaitAsync(async () => !await scheduler.Exists(new JobKey("api-made", CheckScheduler.Group), Ct), TimeSpan.FromSeconds(2), "the job to be gone within 2 s");
        await Eventually.WaitAsync(async () => !(await client.GetStringAsync("/metrics", Ct)).Contains("api-made", StringComparison.Ordinal), Bound, "the check's series to be gone");
    }

    [Fact]
    public async Task ChangeMadeByAnotherNode_ReachesTheSchedulerWithin2Seconds()
    {
        // The poll is an hour away: only the database's notification can bring the change in time.
        await using var host = await ApiTestHost.StartAsync(postgres, settings: new Dictionary<string, string?> { ["Sentinel:Scheduling:ReconcileInterval"] = "01:00:00" });
        var registry = host.Services.GetRequiredService<CheckRegistry>();
        await Eventually.WaitAsync(() => host.Logs.Lines.Any(l => l.Message.Contains("Loaded 0 checks", StringComparison.Ordinal)), Bound, "the first file sync");

        // Another node's API writes the table; this node hears of it only through PostgreSQL.
        await host.Database.ExecuteAsync(
            """
            INSERT INTO checks (id, type, target, name, interval_ms, timeout_ms, enabled, labels, definition, origin)
            VALUES ('elsewhere', 'tcp', @target, 'elsewhere', 3600000, 10000, true, '{}', jsonb_build_object('id', 'elsewhere', 'type', 'tcp', 'target', @target, 'interval', '1h'), 'api')
            """, new { target = Target(host) });

        await Eventually.WaitAsync(() => registry.TryGet("elsewhere", out _), TimeSpan.FromSeconds(2), "the other node's check to be scheduled here within 2 s");
    }

    internal static string Tcp(string id, ApiTestHost host, string interval = "60s", string extra = "") =>
        $$"""{ "id": "{{id}}", "type": "tcp", "target": "{{Target(host)}}", "interval": "{{interval}}"{{extra}} }""";

    private static string Target(ApiTestHost host) => new Uri(host.BaseUrl).Authority;

    internal static async Task<HttpResponseMessage> Send(HttpClient client, HttpMethod method, string path, string? json, string? ifMatch, string mediaType = "application/json")
    {
        using var request = new HttpRequestMessage(method, path);
        if (json is not null)
        {
            request.Content = ApiTestHost.Json(json, mediaType);
        }

        if (ifMatch is not null)
        {
            request.Headers.TryAddWithoutValidation("If-Match", ifMatch);
        }

        return await client.SendAsync(request, Ct);
    }

    internal static async Task<JsonElement> Body(HttpResponseMessage response) =>
        await response.Content.ReadFromJsonAsync<JsonElement>(Ct);

    private static async Task<List<string>> Ids(HttpClient client, string path) =>
        (await Body(await client.GetAsync(path, Ct))).GetProperty("items").EnumerateArray().Select(i => i.GetProperty("id").GetString()!).ToList();
}

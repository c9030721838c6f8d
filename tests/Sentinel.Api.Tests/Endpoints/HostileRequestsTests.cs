using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Sentinel.Testing;
using Xunit;

namespace Sentinel.Api.Tests.Endpoints;

/// <summary>
/// Malformed and hostile requests, each answered with its status and problem type, as RFC 9457 problem details
/// without a stack trace, and each leaving the database as it was.
/// </summary>
[Collection(ApiHostTests.Name)]
public sealed class HostileRequestsTests(HostileRequestsTests.Fixture fixture) : IClassFixture<HostileRequestsTests.Fixture>
{
    private const string Problem = "urn:sentinel:problem:";
    private const string Valid = """{ "id": "fresh", "type": "tcp", "target": "127.0.0.1:9" }""";

    public static TheoryData<string, string, string, string, string?, string?, int, string> Cases() => new()
    {
        // name, key (none, write, read, revoked, wrong, or a raw Authorization value), method, path, content type, body, status, problem type
        { "broken JSON", "write", "POST", "/v1/checks", "application/json", """{ "id": """, 400, "malformed-json" },
        { "trailing comma", "write", "POST", "/v1/checks", "application/json", """{ "id": "x", "type": "tcp", "target": "a:1", }""", 400, "malformed-json" },
        { "comment", "write", "POST", "/v1/checks", "application/json", """{ /* hi */ "id": "x" }""", 400, "malformed-json" },
        { "empty body", "write", "POST", "/v1/checks", "application/json", "", 400, "malformed-json" },
        { "not UTF-8", "write", "POST", "/v1/checks", "application/json", "BYTES:7B226964223A2280FF227D", 400, "malformed-json" },
        { "content after the document", "write", "POST", "/v1/checks", "application/json", Valid + " {}", 400, "malformed-json" },
        { "nested 200 deep", "write", "POST", "/v1/checks", "application/json", """{ "id": "x", "labels": """ + new string('[', 200) + new string(']', 200) + "}", 400, "malformed-json" },
        { "text/plain", "write", "POST", "/v1/checks", "text/plain", Valid, 415, "unsupported-media-type" },
        { "no content type", "write", "POST", "/v1/checks", null, Valid, 415, "unsupported-media-type" },
        { "latin-1 charset", "write", "POST", "/v1/checks", "application/json; charset=iso-8859-1", Valid, 415, "unsupported-media-type" },
        { "form post", "write", "POST", "/v1/checks", "application/x-www-form-urlencoded", "id=x&type=tcp", 415, "unsupported-media-type" },
        { "300 KiB body", "write", "POST", "/v1/checks", "application/json", "HUGE", 413, "payload-too-large" },
        { "unknown field", "write", "POST", "/v1/checks", "application/json", """{ "id": "x", "type": "tcp", "target": "a:1", "intervall": "5s" }""", 422, "invalid-check" },
        { "wrong types", "write", "POST", "/v1/checks", "application/json", """{ "id": 7, "type": "tcp", "target": "a:1", "interval": 5, "enabled": "yes" }""", 422, "invalid-check" },
        { "array of checks", "write", "POST", "/v1/checks", "application/json", "[" + Valid + "]", 422, "invalid-check" },
        { "a string", "write", "POST", "/v1/checks", "application/json", "\"check\"", 422, "invalid-check" },
        { "null", "write", "POST", "/v1/checks", "application/json", "null", 422, "invalid-check" },
        { "SQL in the id", "write", "POST", "/v1/checks", "application/json", """{ "id": "x'; DROP TABLE checks; --", "type": "tcp", "target": "a:1" }""", 422, "invalid-check" },
        { "path traversal in the id", "write", "POST", "/v1/checks", "application/json", """{ "id": "../../etc/passwd", "type": "tcp", "target": "a:1" }""", 422, "invalid-check" },
        { "NUL in the id", "write", "POST", "/v1/checks", "application/json", """{ "id": "a\u0000b", "type": "tcp", "target": "a:1" }""", 422, "invalid-check" },
        { "duplicate id", "write", "POST", "/v1/checks", "application/json", """{ "id": "web", "type": "tcp", "target": "127.0.0.1:9" }""", 409, "duplicate-id" },
        { "file check's id", "write", "POST", "/v1/checks", "application/json", """{ "id": "filed", "type": "tcp", "target": "127.0.0.1:9" }""", 409, "file-owned" },
        { "bad cursor", "read", "GET", "/v1/checks?cursor=%21%21%21", null, null, 400, "invalid-parameter" },
        { "history cursor on the list", "read", "GET", "/v1/checks?cursor=aDE6NQ", null, null, 400, "invalid-parameter" },
        { "negative limit", "read", "GET", "/v1/checks?limit=-1", null, null, 400, "invalid-parameter" },
        { "zero limit", "read", "GET", "/v1/checks?limit=0", null, null, 400, "invalid-parameter" },
        { "limit above 500", "read", "GET", "/v1/checks?limit=501", null, null, 400, "invalid-parameter" },
        { "limit not a number", "read", "GET", "/v1/checks?limit=1e3", null, null, 400, "invalid-parameter" },
        { "label without a value", "read", "GET", "/v1/checks?label=team", null, null, 400, "invalid-parameter" },
        { "SQL in a label", "read", "GET", "/v1/checks?label=team'--:x", null, null, 400, "invalid-parameter" },
        { "unknown type filter", "read", "GET", "/v1/checks?type=ftp", null, null, 400, "invalid-parameter" },
        { "unknown status filter", "read", "GET", "/v1/checks?status=green", null, null, 400, "invalid-parameter" },
        { "SQL-looking id", "read", "GET", "/v1/checks/x'%20OR%20'1'='1", null, null, 404, "not-found" },
        { "encoded path traversal", "read", "GET", "/v1/checks/..%2F..%2Fetc%2Fpasswd", null, null, 404, "not-found" },
        { "dot-dot segment", "read", "GET", "/v1/checks/..;/x", null, null, 404, "not-found" },
        { "overlong id", "read", "GET", "/v1/checks/" + new string('a', 5000), null, null, 404, "not-found" },
        { "unknown path", "read", "GET", "/v1/alerts-nope", null, null, 404, "not-found" },
        { "wrong method", "write", "DELETE", "/v1/checks", null, null, 405, "method-not-allowed" },
        { "no key", "none", "GET", "/v1/checks", null, null, 401, "unauthorized" },
        { "unknown key", "wrong", "GET", "/v1/checks", null, null, 401, "unauthorized" },
        { "malformed bearer", "Bearer abc", "GET", "/v1/checks", null, null, 401, "unauthorized" },
        { "basic auth", "Basic YWRtaW46YWRtaW4=", "GET", "/v1/checks", null, null, 401, "unauthorized" },
        { "revoked key", "revoked", "GET", "/v1/checks", null, null, 401, "unauthorized" },
        { "no key on a write", "none", "POST", "/v1/checks", "application/json", Valid, 401, "unauthorized" },
        { "read key creates", "read", "POST", "/v1/checks", "application/json", Valid, 403, "forbidden" },
        { "read key deletes", "read", "DELETE", "/v1/checks/web", null, null, 403, "forbidden" },
        { "read key pauses", "read", "POST", "/v1/checks/web/pause", null, null, 403, "forbidden" },
        { "read key runs", "read", "POST", "/v1/checks/web/run", null, null, 403, "forbidden" },
        { "PUT without If-Match", "write", "PUT", "/v1/checks/web", "application/json", """{ "id": "web", "type": "tcp", "target": "127.0.0.1:10" }""", 428, "precondition-required" },
        { "PUT with a stale ETag", "write", "PUT IF-MATCH \"1-0\"", "/v1/checks/web", "application/json", """{ "id": "web", "type": "tcp", "target": "127.0.0.1:10" }""", 412, "precondition-failed" },
        { "PUT with a weak ETag", "write", "PUT IF-MATCH W/{etag}", "/v1/checks/web", "application/json", """{ "id": "web", "type": "tcp", "target": "127.0.0.1:10" }""", 412, "precondition-failed" },
        { "PUT changing the id", "write", "PUT IF-MATCH {etag}", "/v1/checks/web", "application/json", """{ "id": "other", "type": "tcp", "target": "127.0.0.1:10" }""", 422, "invalid-check" },
        { "PUT invalid check", "write", "PUT IF-MATCH {etag}", "/v1/checks/web", "application/json", """{ "id": "web", "type": "tcp" }""", 422, "invalid-check" },
        { "PATCH as plain JSON", "write", "PATCH IF-MATCH {etag}", "/v1/checks/web", "application/json", """{ "interval": "5s" }""", 415, "unsupported-media-type" },
        { "PATCH malformed", "write", "PATCH IF-MATCH {etag}", "/v1/checks/web", "application/merge-patch+json", """{ "interval": """, 400, "malformed-json" },
        { "PATCH removing the target", "write", "PATCH IF-MATCH {etag}", "/v1/checks/web", "application/merge-patch+json", """{ "target": null }""", 422, "invalid-check" },
        { "DELETE a file's check", "write", "DELETE IF-MATCH *", "/v1/checks/filed", null, null, 409, "file-owned" },
        { "DELETE an unknown check", "write", "DELETE IF-MATCH *", "/v1/checks/nope", null, null, 404, "not-found" },
        { "run an unknown check", "write", "POST", "/v1/checks/nope/run", null, null, 404, "not-found" },
        { "history of an unknown check", "read", "GET", "/v1/checks/nope/history", null, null, 404, "not-found" },
        { "results from=garbage", "read", "GET", "/v1/checks/web/results?from=garbage", null, null, 400, "invalid-parameter" },
        { "results without an offset", "read", "GET", "/v1/checks/web/results?from=2026-03-10T12:00:00", null, null, 400, "invalid-parameter" },
        { "results inverted range", "read", "GET", "/v1/checks/web/results?from=2026-03-10T12:00:00Z&to=2026-03-09T12:00:00Z", null, null, 400, "invalid-parameter" },
        { "results of ten years", "read", "GET", "/v1/checks/web/results?from=2016-01-01T00:00:00Z&to=2026-01-01T00:00:00Z", null, null, 400, "invalid-parameter" },
        { "results far in the future", "read", "GET", "/v1/checks/web/results?from=9999-01-01T00:00:00Z&to=9999-01-02T00:00:00Z", null, null, 400, "invalid-parameter" },
        { "results limit=-1", "read", "GET", "/v1/checks/web/results?limit=-1", null, null, 400, "invalid-parameter" },
        { "results limit=100000", "read", "GET", "/v1/checks/web/results?limit=100000", null, null, 400, "invalid-parameter" },
        { "results SQL in from", "read", "GET", "/v1/checks/web/results?from=2026-01-01T00:00:00Z'%3B%20DROP%20TABLE%20results%3B--", null, null, 400, "invalid-parameter" },
        { "results of an unknown check", "read", "GET", "/v1/checks/nope/results", null, null, 404, "not-found" },
        { "results with ../ in the id", "read", "GET", "/v1/checks/..%2F..%2Fetc%2Fpasswd/results", null, null, 404, "not-found" },
        { "results with SQL in the id", "read", "GET", "/v1/checks/x'%20OR%20'1'='1/results", null, null, 404, "not-found" },
        { "uptime to=garbage", "read", "GET", "/v1/checks/web/uptime?to=tomorrow", null, null, 400, "invalid-parameter" },
        { "uptime inverted range", "read", "GET", "/v1/checks/web/uptime?from=2026-03-10T12:00:00Z&to=2026-03-10T12:00:00Z", null, null, 400, "invalid-parameter" },
        { "uptime of an unknown check", "read", "GET", "/v1/checks/nope/uptime", null, null, 404, "not-found" },
        { "latest of an unknown check", "read", "GET", "/v1/checks/nope/latest", null, null, 404, "not-found" },
        { "latest with SQL in the id", "read", "GET", "/v1/checks/x'%3B%20DELETE%20FROM%20checks%3B--/latest", null, null, 404, "not-found" },
        { "latest without a key", "none", "GET", "/v1/checks/web/latest", null, null, 401, "unauthorized" },
        { "alerts unknown state", "read", "GET", "/v1/alerts?state=burning", null, null, 400, "invalid-parameter" },
        { "alerts unknown kind", "read", "GET", "/v1/alerts?kind=x'--", null, null, 400, "invalid-parameter" },
        { "alerts check with ../", "read", "GET", "/v1/alerts?check=..%2Fetc", null, null, 400, "invalid-parameter" },
        { "alerts limit=0", "read", "GET", "/v1/alerts?limit=0", null, null, 400, "invalid-parameter" },
        { "alerts without a key", "none", "GET", "/v1/alerts", null, null, 401, "unauthorized" },
        { "status page when off", "read", "GET", "/status", null, null, 404, "not-found" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Request_Refused_WithItsProblemAndNothingChanged(string name, string key, string method, string path, string? contentType, string? body, int status, string type)
    {
        var before = await fixture.Host.SnapshotAsync();

        using var request = new HttpRequestMessage(new HttpMethod(method.Split(' ')[0]), path);
        if (method.Contains(" IF-MATCH ", StringComparison.Ordinal))
        {
            request.Headers.TryAddWithoutValidation("If-Match", method[(method.IndexOf(" IF-MATCH ", StringComparison.Ordinal) + 10)..].Replace("{etag}", fixture.WebETag, StringComparison.Ordinal));
        }

        if (fixture.Authorization(key) is { } authorization)
        {
            request.Headers.TryAddWithoutValidation("Authorization", authorization);
        }

        if (body is not null)
        {
            var bytes = body switch
            {
                "HUGE" => Encoding.UTF8.GetBytes("{\"id\":\"x\",\"description\":\"" + new string('a', 300 * 1024) + "\"}"),
                _ when body.StartsWith("BYTES:", StringComparison.Ordinal) => Convert.FromHexString(body[6..]),
                _ => Encoding.UTF8.GetBytes(body),
            };
            request.Content = new ByteArrayContent(bytes);
            if (contentType is not null)
            {
                request.Content.Headers.TryAddWithoutValidation("Content-Type", contentType);
            }
        }

        using var response = await fixture.Client.SendAsync(request, TestContext.Current.CancellationToken);
        var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);

        Assert.True(status == (int)response.StatusCode, $"{name}: expected {status}, got {(int)response.StatusCode}: {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var problem = JsonDocument.Parse(text);
        Assert.Equal(Problem + type, problem.RootElement.GetProperty("type").GetString());
        Assert.Equal(status, problem.RootElement.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrWhiteSpace(problem.RootElement.GetProperty("detail").GetString()), $"{name}: the problem says nothing");
        Assert.DoesNotContain("   at ", text, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", text, StringComparison.Ordinal);
        if (status == 401)
        {
            Assert.StartsWith("Bearer realm=\"sentinel\"", response.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
        }

        Assert.Equal(before, await fixture.Host.SnapshotAsync());
    }

    /// <summary>One daemon for every case: a file check, an API check and keys of every kind.</summary>
    public sealed class Fixture(PostgresCluster postgres) : IAsyncLifetime
    {
        private readonly Dictionary<string, string> _keys = [];

        internal ApiTestHost Host { get; private set; } = null!;

        public HttpClient Client { get; private set; } = null!;

        public string WebETag { get; private set; } = "";

        public string? Authorization(string key) => key switch
        {
            "none" => null,
            "wrong" => "Bearer sntl_aaaaaaaaaaaa_" + new string('A', 43),
            _ when key.Contains(' ', StringComparison.Ordinal) => key,
            _ => "Bearer " + _keys[key],
        };

        public async ValueTask InitializeAsync()
        {
            Host = await ApiTestHost.StartAsync(postgres, dir => dir.Write("filed.json", """{ "id": "filed", "type": "tcp", "target": "127.0.0.1:9" }"""));
            Client = Host.Client();
            foreach (var (name, scope) in new[] { ("write", "write"), ("read", "read"), ("revoked", "read") })
            {
                _keys[name] = await Host.CreateKeyAsync(name, scope);
            }

            await new Sentinel.Worker.Storage.ApiKeyStore(Host.Database).RevokeAsync("revoked", CancellationToken.None);
            var writer = Host.Client(_keys["write"]);
            var created = await writer.PostAsync("/v1/checks", ApiTestHost.Json("""{ "id": "web", "type": "tcp", "target": "127.0.0.1:9", "interval": "1h" }"""));
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
            WebETag = created.Headers.ETag!.Tag;
            await Eventually.WaitAsync(async () => (await writer.GetAsync("/v1/checks/filed")).IsSuccessStatusCode, TimeSpan.FromSeconds(20), "the file check");

            // Runs and file syncs write too; the cases must find nothing else changing the tables they watch.
            Client.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        }

        public async ValueTask DisposeAsync() => await Host.DisposeAsync();
    }
}

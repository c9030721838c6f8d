using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Sentinel.Probes.Probing;
using Sentinel.Probes.Reporting;
using Sentinel.Testing;
using Xunit;

namespace Sentinel.Probes.Tests.Http;

/// <summary>The HTTP probe against a real Kestrel server on loopback: statuses, redirects, bodies, headers, versions.</summary>
public sealed class HttpProbeTests : IAsyncLifetime
{
    private HttpTestServer _server = null!;

    public async ValueTask InitializeAsync() => _server = await HttpTestServer.StartAsync(new HttpTestServerOptions { Protocols = HttpProtocols.Http1AndHttp2 });

    public async ValueTask DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task RunAsync_Ok_IsUpWithPlainPhasesAndMeasurements()
    {
        var result = await HttpChecks.RunAsync(_server.Url());

        Assert.Equal(ProbeStatus.Up, result.Status);
        Assert.Equal(["resolve", "connect", "processing", "transfer"], result.Phases.Select(p => p.Name));
        Assert.Equal(200, result.Measurements["http.status_code"].Number);
        Assert.Equal(1.1, result.Measurements["http.version"].Number);
        Assert.Equal(5, result.Measurements["http.body_bytes"].Number);
        Assert.Equal(0, result.Measurements["http.redirects"].Number);
        Assert.False(result.Measurements.ContainsKey("http.duration.tls_ms"));
        Assert.False(result.Measurements.ContainsKey("cert.days_left"));
        Assert.Contains(result.Samples, s => s.Metric.Name == "probe_http_ssl" && s.Value == 0);
        // blackbox_exporter writes every phase, tls at 0 over plain HTTP.
        Assert.Equal(["resolve", "connect", "tls", "processing", "transfer"],
            result.Samples.Where(s => s.Metric.Name == "probe_http_duration_seconds").Select(s => s.Labels[0]));
        Assert.Equal(0, result.Samples.Single(s => s.Metric.Name == "probe_http_duration_seconds" && s.Labels[0] == "tls").Value);
    }

    [Theory]
    [InlineData(404, "the path does not exist on this server")]
    [InlineData(500, "the server failed on its side")]
    [InlineData(401, "the request is not authorised")]
    public async Task RunAsync_UnexpectedStatus_ReportsHttpStatusWithHint(int status, string hint)
    {
        var result = await HttpChecks.RunAsync(_server.Url($"/status/{status}"));

        Assert.Equal(ProbeStatus.Down, result.Status);
        Assert.Equal(("http", "http_status"), (result.Failure!.Layer, result.Failure.Category));
        Assert.StartsWith($"{_server.Url($"/status/{status}")} answered {status} ", result.Failure.Message, StringComparison.Ordinal);
        Assert.EndsWith("expected 2xx", result.Failure.Message, StringComparison.Ordinal);
        Assert.StartsWith(hint, result.Failure.Hint, StringComparison.Ordinal);
        Assert.Equal(status, result.Measurements["http.status_code"].Number);
    }

    [Fact]
    public async Task RunAsync_ExpectedStatusListAndClass_Pass()
    {
        var listed = await HttpChecks.RunAsync(_server.Url("/status/404"), new JsonObject { ["expectStatus"] = new JsonArray(200, 404) });
        var classed = await HttpChecks.RunAsync(_server.Url("/status/503"), new JsonObject { ["expectStatus"] = new JsonArray("5xx") });
        var missed = await HttpChecks.RunAsync(_server.Url("/status/200"), new JsonObject { ["expectStatus"] = new JsonArray("5xx", 404) });

        Assert.Equal(ProbeStatus.Up, listed.Status);
        Assert.Equal(ProbeStatus.Up, classed.Status);
        Assert.EndsWith("expected 5xx, 404", missed.Failure!.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(301)]
    [InlineData(302)]
    [InlineData(303)]
    [InlineData(307)]
    [InlineData(308)]
    public async Task RunAsync_Redirect_FollowsAndRecordsEachHop(int code)
    {
        var target = _server.Url($"/redirect/{code}?to={Uri.EscapeDataString(_server.Url("/json"))}");

        var result = await HttpChecks.RunAsync(target);

        Assert.Equal(ProbeStatus.Up, result.Status);
        Assert.Equal(1, result.Measurements["http.redirects"].Number);
        Assert.Equal(200, result.Measurements["http.status_code"].Number);
        var json = ProbeResultJson.Serialize(result);
        Assert.Contains($"\"status\":{code}", json, StringComparison.Ordinal);
        Assert.Contains($"\"url\":\"{_server.Url("/json")}\"", json, StringComparison.Ordinal);

        // Same origin: the second hop reuses the connection, as curl -L does, so it has no connect phase of its own.
        Assert.Contains("\"newConnection\":false", json, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_RelativeRedirectChain_SumsPhasesOverHops()
    {
        var result = await HttpChecks.RunAsync(_server.Url("/chain/3"));

        Assert.Equal(ProbeStatus.Up, result.Status);
        Assert.Equal(3, result.Measurements["http.redirects"].Number);
        var details = ProbeResultJson.Details(result)!;
        Assert.Equal(4, details.Split("\"method\":\"GET\"").Length - 1);
        Assert.True(result.Phase("processing") > TimeSpan.Zero);
    }

    [Fact]
    public async Task RunAsync_RedirectNotFollowed_ReportsTheStatusAndWhere()
    {
        var result = await HttpChecks.RunAsync(_server.Url("/chain/1"), new JsonObject { ["followRedirects"] = false });

        Assert.Equal("http_status", result.Failure!.Category);
        Assert.Contains("answered 302 Found (to 0; redirects are not followed: followRedirects is false), expected 2xx", result.Failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_RedirectLoop_ReportsTooManyRedirectsNamingTheLoop()
    {
        var result = await HttpChecks.RunAsync(_server.Url("/loop/a"));

        Assert.Equal(("http", "http_too_many_redirects"), (result.Failure!.Layer, result.Failure.Category));
        Assert.Equal($"redirect loop: {_server.Url("/loop/b")} redirects (302) to {_server.Url("/loop/a")}, which was already visited after 2 redirects", result.Failure.Message);
    }

    [Fact]
    public async Task RunAsync_LongerChainThanAllowed_ReportsTooManyRedirects()
    {
        var result = await HttpChecks.RunAsync(_server.Url("/chain/5"), new JsonObject { ["maxRedirects"] = 2 });

        Assert.Equal("http_too_many_redirects", result.Failure!.Category);
        Assert.StartsWith("more than 2 redirects: ", result.Failure.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/gzip", "gzip")]
    [InlineData("/br", "br")]
    [InlineData("/deflate", "deflate")]
    [InlineData("/raw-deflate", "deflate")]
    public async Task RunAsync_CompressedBody_RecordsWireAndDecodedSizes(string path, string coding)
    {
        var result = await HttpChecks.RunAsync(_server.Url(path), new JsonObject { ["bodyMatches"] = "^(sentinel compressed body; )+$" });

        Assert.Equal(ProbeStatus.Up, result.Status);
        Assert.Equal(HttpTestServer.CompressedText.Length, result.Measurements["http.body_bytes"].Number);
        Assert.InRange(result.Measurements["http.body_wire_bytes"].Number!.Value, 10, 500);
        Assert.Contains($"\"contentEncoding\":\"{coding}\"", ProbeResultJson.Details(result), StringComparison.Ordinal);
        Assert.Contains(result.Samples, s => s.Metric.Name == "probe_http_uncompressed_body_length" && s.Value == HttpTestServer.CompressedText.Length);
    }

    [Fact]
    public async Task RunAsync_BodyPatterns_PassAndFailWithTheBodyQuoted()
    {
        var passes = await HttpChecks.RunAsync(_server.Url("/json"), new JsonObject { ["bodyMatches"] = "\"status\":\"ok\"", ["bodyNotMatches"] = "error" });
        var missing = await HttpChecks.RunAsync(_server.Url("/json"), new JsonObject { ["bodyMatches"] = new JsonArray("\"status\":\"degraded\"") });
        var forbidden = await HttpChecks.RunAsync(_server.Url("/json"), new JsonObject { ["bodyNotMatches"] = "1\\.2\\.\\d" });

        Assert.Equal(ProbeStatus.Up, passes.Status);
        Assert.Equal("http_body_mismatch", missing.Failure!.Category);
        Assert.Equal($"the body of {_server.Url("/json")} (33 bytes) does not match /\"status\":\"degraded\"/; it begins \"{{\"status\":\"ok\",\"version\":\"1.2.3\"}}\"", missing.Failure.Message);
        Assert.Equal("http_body_mismatch", forbidden.Failure!.Category);
        Assert.Contains("matches the forbidden /1\\.2\\.\\d/ at character 26", forbidden.Failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_HeaderPatterns_PassAndFail()
    {
        var passes = await HttpChecks.RunAsync(_server.Url("/json"), new JsonObject { ["headerMatches"] = new JsonObject { ["Content-Type"] = "^application/json" } });
        var absent = await HttpChecks.RunAsync(_server.Url("/json"), new JsonObject { ["headerMatches"] = new JsonObject { ["X-Frame-Options"] = "DENY" } });
        var forbidden = await HttpChecks.RunAsync(_server.Url("/json"), new JsonObject { ["headerNotMatches"] = new JsonObject { ["content-type"] = "json" } });

        Assert.Equal(ProbeStatus.Up, passes.Status);
        Assert.Equal(("http_header_mismatch", $"{_server.Url("/json")} sent no X-Frame-Options header, expected one matching /DENY/"), (absent.Failure!.Category, absent.Failure.Message));
        Assert.Equal($"the content-type header of {_server.Url("/json")} is \"application/json\", which matches the forbidden /json/", forbidden.Failure!.Message);
    }

    [Fact]
    public async Task RunAsync_MethodHeadersAndBody_AreSentAsConfigured()
    {
        var result = await HttpChecks.RunAsync(_server.Url("/echo"), new JsonObject
        {
            ["method"] = "PUT",
            ["headers"] = new JsonObject { ["X-Probe"] = "sentinel", ["Content-Type"] = "application/json", ["Authorization"] = "Bearer secret" },
            ["body"] = "{\"ping\":1}",
            ["bodyMatches"] = new JsonArray("^PUT HTTP/1.1", "X-Probe: sentinel", "Content-Type: application/json", "\\{\"ping\":1\\}$"),
        });

        Assert.Equal(ProbeStatus.Up, result.Status);

        // Secrets sent are not stored with the result.
        Assert.DoesNotContain("secret", ProbeResultJson.Serialize(result), StringComparison.Ordinal);
        Assert.Contains("[\"Authorization\",\"(redacted)\"]", ProbeResultJson.Details(result), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_Http2PriorKnowledge_RecordsVersion2()
    {
        await using var h2c = await HttpTestServer.StartAsync(new HttpTestServerOptions { Protocols = HttpProtocols.Http2 });

        var result = await HttpChecks.RunAsync(h2c.Url("/delay?firstByteMs=20"), new JsonObject { ["httpVersion"] = "2" });

        Assert.Equal(ProbeStatus.Up, result.Status);
        Assert.Equal(2, result.Measurements["http.version"].Number);
        Assert.True(result.Phase("processing") >= TimeSpan.FromMilliseconds(19), $"processing {result.Phase("processing")}");
    }

    [Fact]
    public async Task RunAsync_Http2AgainstHttp11OnlyServer_ReportsProtocolError()
    {
        await using var h1 = await HttpTestServer.StartAsync();

        var result = await HttpChecks.RunAsync(h1.Url(), new JsonObject { ["httpVersion"] = "2" });

        Assert.Equal(ProbeStatus.Down, result.Status);
        Assert.Equal(("http", "http_protocol_error"), (result.Failure!.Layer, result.Failure.Category));
        Assert.Equal($"HTTP/2 protocol error from {h1.Url()}: the server closed the connection with GOAWAY HTTP_1_1_REQUIRED (0xd)", result.Failure.Message);
        Assert.Equal("the server speaks only HTTP/1.1 here: set httpVersion to 1.1, or enable HTTP/2 on the server", result.Failure.Hint);
    }

    [Fact]
    public async Task RunAsync_SlowFirstByte_IsInProcessingNotConnect()
    {
        var result = await HttpChecks.RunAsync(_server.Url("/delay?firstByteMs=150&bodyMs=100&chunks=3"));

        Assert.Equal(ProbeStatus.Up, result.Status);
        // Lower bounds only: the server's own first request of an endpoint may be slow, never faster than its delay.
        Assert.True(result.Phase("processing") >= TimeSpan.FromMilliseconds(149), $"processing {result.Phase("processing")}");
        Assert.True(result.Phase("processing") + result.Phase("transfer") >= TimeSpan.FromMilliseconds(249));
        Assert.True(result.Phase("transfer") >= TimeSpan.FromMilliseconds(60), $"transfer {result.Phase("transfer")}");
        Assert.True(result.Phase("connect") < TimeSpan.FromMilliseconds(100));
    }

    [Fact]
    public async Task RunAsync_BodyOverCap_ReportsTooLargeAndStops()
    {
        var result = await HttpChecks.RunAsync(_server.Url("/bytes/5000000"), new JsonObject { ["maxBodyBytes"] = 100000 });

        Assert.Equal(("http", "http_body_too_large"), (result.Failure!.Layer, result.Failure.Category));
        Assert.Equal($"the body of {_server.Url("/bytes/5000000")} is larger than 97.7 KiB (maxBodyBytes) on the wire; reading stopped there", result.Failure.Message);
    }

    [Fact]
    public async Task RunAsync_WarningAssertion_DegradesAndErrorAssertionFails()
    {
        var slow = await HttpChecks.RunAsync(_server.Url("/delay?firstByteMs=60"),
            assert: new JsonArray(new JsonObject { ["that"] = "http.duration.processing_ms", ["atMost"] = 10, ["severity"] = "warning" }));
        var status = await HttpChecks.RunAsync(_server.Url("/status/201"),
            assert: new JsonArray(new JsonObject { ["that"] = "http.status_code", ["equals"] = 200 }));

        Assert.Equal(ProbeStatus.Degraded, slow.Status);
        Assert.Matches(@"^http\.duration\.processing_ms was \d+(\.\d+)?, expected at most 10$", slow.Problems[0].Message);
        Assert.Equal(ProbeStatus.Down, status.Status);
        Assert.Equal(("assertion_failed", "http.status_code was 201, expected 200"), (status.Failure!.Category, status.Failure.Message));
    }

    [Fact]
    public async Task RunAsync_ReuseConnection_SecondRunHasNoConnectPhase()
    {
        var check = HttpChecks.Parse(_server.Url(), new JsonObject { ["reuseConnection"] = true });

        var first = await HttpChecks.RunAsync(check);
        var second = await HttpChecks.RunAsync(check);

        Assert.NotNull(first.Phase("connect"));
        Assert.Null(second.Phase("connect"));
        Assert.Equal(ProbeStatus.Up, second.Status);
    }
}

using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Sentinel.Probes.Probing;
using Sentinel.Testing;
using Sentinel.Probes.Reporting;
using Sentinel.Probes.Tests.Http;
using Xunit;

namespace Sentinel.Probes.Tests.Protocols.Http;

/// <summary>
/// <c>http.version</c> and <c>probe_http_version</c> as the protocol is named, 1.0, 1.1 and 2, alike in the
/// measurement, the series (blackbox_exporter's value for the same response), the JSON, the report and assertions,
/// against real servers: an HTTP/1.0 one written byte for byte, and Kestrel for HTTP/1.1 and HTTP/2.
/// </summary>
public sealed class HttpVersionTextTests
{
    private const string Http10 = "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nok";

    [Fact]
    public async Task RunAsync_Http10Answer_IsVersion1Point0Everywhere()
    {
        await using var server = RawHttpServer.Replying(Http10);
        var check = HttpChecks.Parse(server.Url());

        var result = await HttpChecks.RunAsync(check);

        Assert.Equal(ProbeStatus.Up, result.Status);
        Assert.Equal(1.0, result.Measurements["http.version"].Number);
        Assert.Equal("1.0", result.Measurements["http.version"].ToString());
        Assert.Equal(1.0, Assert.Single(result.Samples, s => s.Metric.Name == "probe_http_version").Value);
        Assert.Contains("\"http.version\":1.0,", ProbeResultJson.Measurements(result), StringComparison.Ordinal);
        Assert.Contains("\"version\":\"1.0\"", ProbeResultJson.Details(result), StringComparison.Ordinal);
        var report = HttpChecks.Report(check, result);
        Assert.Contains("  < HTTP/1.0 200 OK\n", report.ReplaceLineEndings("\n"), StringComparison.Ordinal);
        Assert.Contains("  http.version = 1.0\n", report.ReplaceLineEndings("\n"), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{\"that\":\"http.version\",\"equals\":1.0}")]
    [InlineData("{\"that\":\"http.version\",\"equals\":1}")]
    [InlineData("{\"that\":\"http.version\",\"equals\":\"1.0\"}")]
    [InlineData("{\"that\":\"http.version\",\"in\":[1.0,1.1]}")]
    [InlineData("{\"that\":\"http.version\",\"atMost\":1.0}")]
    [InlineData("{\"that\":\"http.version\",\"matches\":\"^1\\\\.0$\"}")]
    [InlineData("{\"that\":\"http.version\",\"notEquals\":1.1}")]
    public async Task RunAsync_AssertionOnAnHttp10Answer_Holds(string assertion)
    {
        await using var server = RawHttpServer.Replying(Http10);

        var result = await HttpChecks.RunAsync(server.Url(), assert: [JsonNode.Parse(assertion)]);

        Assert.Equal(ProbeStatus.Up, result.Status);
        Assert.Empty(result.Problems);
    }

    [Fact]
    public async Task RunAsync_AssertionForHttp11OnAnHttp10Answer_NamesVersion1Point0()
    {
        await using var server = RawHttpServer.Replying(Http10);

        var result = await HttpChecks.RunAsync(server.Url(), assert: [new JsonObject { ["that"] = "http.version", ["atLeast"] = 1.1 }]);

        Assert.Equal(ProbeStatus.Down, result.Status);
        Assert.Equal("http.version was 1.0, expected at least 1.1", Assert.Single(result.Problems).Message);
    }

    [Theory]
    [InlineData("1.1", "1.1", 1.1)]
    [InlineData("2", "2", 2)]
    public async Task RunAsync_LaterVersions_AreWrittenAsTheProtocolIsNamed(string httpVersion, string written, double number)
    {
        await using var server = await HttpTestServer.StartAsync(new HttpTestServerOptions { Protocols = httpVersion == "2" ? HttpProtocols.Http2 : HttpProtocols.Http1 });
        var check = HttpChecks.Parse(server.Url(), new JsonObject { ["httpVersion"] = httpVersion });

        var result = await HttpChecks.RunAsync(check);

        Assert.Equal(number, result.Measurements["http.version"].Number);
        Assert.Equal(number, Assert.Single(result.Samples, s => s.Metric.Name == "probe_http_version").Value);
        Assert.Contains($"\"http.version\":{written},", ProbeResultJson.Measurements(result), StringComparison.Ordinal);
        Assert.Contains($"  < HTTP/{written} 200", HttpChecks.Report(check, result), StringComparison.Ordinal);
        Assert.Contains($"  http.version = {written}", HttpChecks.Report(check, result), StringComparison.Ordinal);
    }
}

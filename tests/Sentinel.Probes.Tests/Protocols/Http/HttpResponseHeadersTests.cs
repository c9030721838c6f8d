using System.Text.Json.Nodes;
using Sentinel.Probes.Probing;
using Sentinel.Probes.Reporting;
using Sentinel.Probes.Tests.Http;
using Sentinel.Testing;
using Xunit;

namespace Sentinel.Probes.Tests.Protocols.Http;

/// <summary>
/// Response headers as the server sent them (one value per field line, unsplit), and probe_http_content_length as
/// blackbox_exporter exports it.
/// </summary>
public sealed class HttpResponseHeadersTests
{
    private const string Response =
        "HTTP/1.1 200 OK\r\nServer: BaseHTTP/0.6 Python/3.11.7\r\nVary: Origin, Accept-Encoding\r\nCache-Control: no-cache, no-store\r\nContent-Length: 2\r\n\r\nok";

    [Fact]
    public async Task RunAsync_HeaderPatterns_SeeTheValuesAsReceived()
    {
        await using var server = RawHttpServer.Start(async (stream, ct) => await RawHttpServer.WriteAsync(stream, Response, ct));
        var check = HttpChecks.Parse(server.Url(), new JsonObject
        {
            ["headerMatches"] = new JsonObject { ["Server"] = "^BaseHTTP/0\\.6 Python/3\\.11\\.7$", ["Vary"] = "^Origin, Accept-Encoding$" },
            ["headerNotMatches"] = new JsonObject { ["Cache-Control"] = "^no-store$" },
        });

        var result = await HttpChecks.RunAsync(check);

        Assert.True(result.Status == ProbeStatus.Up, result.Failure?.Message);
        var report = HttpChecks.Report(check, result).ReplaceLineEndings("\n");
        Assert.Equal(["  < Server: BaseHTTP/0.6 Python/3.11.7"], report.Split('\n').Where(l => l.StartsWith("  < Server:", StringComparison.Ordinal)));
        Assert.Contains("  < Cache-Control: no-cache, no-store\n", report, StringComparison.Ordinal);
        Assert.Contains("[\"Vary\",\"Origin, Accept-Encoding\"]", ProbeResultJson.Details(result), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_HeaderMismatch_QuotesTheWholeValue()
    {
        await using var server = RawHttpServer.Start(async (stream, ct) => await RawHttpServer.WriteAsync(stream, Response, ct));

        var result = await HttpChecks.RunAsync(server.Url(), new JsonObject { ["headerMatches"] = new JsonObject { ["Server"] = "^nginx" } });

        Assert.Equal(("http_header_mismatch", $"the Server header of {server.Url()} is \"BaseHTTP/0.6 Python/3.11.7\", expected to match /^nginx/"),
            (result.Failure!.Category, result.Failure.Message));
    }

    [Theory]
    [InlineData("GET", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello", 5, 5)]
    [InlineData("GET", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n", -1, 5)]
    [InlineData("GET", "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nhello", -1, 5)]
    [InlineData("GET", "HTTP/1.1 204 No Content\r\n\r\n", 0, 0)]
    [InlineData("HEAD", "HTTP/1.1 200 OK\r\nContent-Length: 1234\r\n\r\n", 1234, 0)]
    public async Task RunAsync_ContentLength_IsTheDeclaredLengthAsBlackboxExportsIt(string method, string response, int contentLength, int wireBytes)
    {
        await using var server = RawHttpServer.Start(async (stream, ct) => await RawHttpServer.WriteAsync(stream, response, ct));

        var result = await HttpChecks.RunAsync(server.Url(), new JsonObject { ["method"] = method });

        Assert.True(result.Status == ProbeStatus.Up, result.Failure?.Message);
        Assert.Equal(contentLength, Assert.Single(result.Samples, s => s.Metric.Name == "probe_http_content_length").Value);
        Assert.Equal(wireBytes, Assert.Single(result.Samples, s => s.Metric.Name == "sentinel_http_body_wire_bytes").Value);
        Assert.Equal(wireBytes, result.Measurements["http.body_wire_bytes"].Number);
    }
}

using System.Text.Json.Nodes;
using Sentinel.Probes.Probing;
using Sentinel.Testing;
using Xunit;

namespace Sentinel.Probes.Tests.Http;

/// <summary>The series blackbox_exporter's http prober writes, with its values: 0 when no response came, not absent.</summary>
public sealed class HttpBlackboxSeriesTests : IAsyncLifetime
{
    private HttpTestServer _server = null!;

    public async ValueTask InitializeAsync() => _server = await HttpTestServer.StartAsync();

    public async ValueTask DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task RunAsync_NothingListening_WritesTheResponseSeriesAsZero()
    {
        var result = await HttpChecks.RunAsync($"http://127.0.0.1:{TcpPorts.Closed()}/");

        Assert.Equal(ProbeStatus.Down, result.Status);
        foreach (var name in new[] { "probe_http_status_code", "probe_http_version", "probe_http_ssl", "probe_http_content_length", "probe_http_uncompressed_body_length", "probe_http_redirects", "probe_failed_due_to_regex" })
        {
            Assert.Equal(0, Sample(result, name));
        }

        Assert.Equal(["resolve", "connect", "tls", "processing", "transfer"], result.Samples.Where(s => s.Metric.Name == "probe_http_duration_seconds").Select(s => s.Labels[0]));
        Assert.False(result.Measurements.ContainsKey("http.status_code"));
        Assert.Null(Sample(result, "probe_http_last_modified_timestamp_seconds"));
    }

    [Fact]
    public async Task RunAsync_LastModifiedHeader_IsExportedAsUnixTime()
    {
        var result = await HttpChecks.RunAsync(_server.Url("/last-modified"));

        Assert.Equal(HttpTestServer.LastModified.ToUnixTimeSeconds(), Sample(result, "probe_http_last_modified_timestamp_seconds"));
        Assert.Equal(0, Sample(result, "probe_failed_due_to_regex"));
    }

    [Fact]
    public async Task RunAsync_BodyPatternFails_FailedDueToRegexIsOne()
    {
        var result = await HttpChecks.RunAsync(_server.Url("/"), new JsonObject { ["bodyMatches"] = "no such text" });

        Assert.Equal("http_body_mismatch", result.Failure?.Category);
        Assert.Equal(1, Sample(result, "probe_failed_due_to_regex"));
    }

    [Fact]
    public async Task RunAsync_Loopback_IpAddrHashIsBlackboxExportersFnv1a()
    {
        var result = await HttpChecks.RunAsync(_server.Url("/"));

        // FNV-1a (32 bits) of 127.0.0.1's four bytes, as Go's hash/fnv computes it in blackbox_exporter's ipHash.
        Assert.Equal(3668918509, Sample(result, "probe_ip_addr_hash"));
        Assert.Equal(4, Sample(result, "probe_ip_protocol"));
    }

    private static double? Sample(ProbeResult result, string metric) =>
        result.Samples.Where(s => s.Metric.Name == metric).Select(s => (double?)s.Value).SingleOrDefault();
}

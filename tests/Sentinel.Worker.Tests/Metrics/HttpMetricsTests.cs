using Sentinel.Testing;
using Xunit;

namespace Sentinel.Worker.Tests.Metrics;

/// <summary>The http probe's series in /metrics of the running daemon, against a real HTTP server.</summary>
[Collection(DaemonHostTests.Name)]
public sealed class HttpMetricsTests(PostgresCluster postgres)
{
    [Fact]
    public async Task Metrics_HttpChecks_ExportBlackboxSeriesPhasesAddressesAndFailureCategories()
    {
        await using var server = await HttpTestServer.StartAsync();
        await using var host = await SentinelTestHost.StartAsync(postgres, dir =>
        {
            dir.Write("web.json", $$"""{ "id": "web", "type": "http", "target": "{{server.Url("/gzip")}}", "interval": "1s", "timeout": "900ms" }""");
            dir.Write("missing.json", $$"""{ "id": "missing", "type": "http", "target": "{{server.Url("/status/404")}}", "interval": "1s", "timeout": "900ms" }""");
        });

        var metrics = await Eventually.ValueAsync(async () =>
        {
            var text = await host.MetricsAsync();
            // The failure counter is counted as the result is published, the latest-result series a moment later:
            // wait for both checks' latest results, not only for the counter.
            return System.Text.RegularExpressions.Regex.IsMatch(text, "probe_http_content_length\\{[^}]*job=\"web\"")
                && System.Text.RegularExpressions.Regex.IsMatch(text, "probe_success\\{[^}]*job=\"missing\"")
                && text.Contains("category=\"http_status\"", StringComparison.Ordinal) ? text : null;
        }, TimeSpan.FromSeconds(30), "http series of both checks");

        Assert.Matches("probe_http_content_length\\{[^}]*job=\"web\"[^}]*\\} [0-9]+\n", metrics);
        Assert.Matches("probe_http_status_code\\{[^}]*job=\"web\"[^}]*\\} 200", metrics);
        Assert.Matches("probe_http_status_code\\{[^}]*job=\"missing\"[^}]*\\} 404", metrics);
        foreach (var phase in new[] { "resolve", "connect", "processing", "transfer" })
        {
            Assert.Matches($"probe_http_duration_seconds\\{{[^}}]*job=\"web\"[^}}]*phase=\"{phase}\"[^}}]*\\}} [0-9.eE+-]+", metrics);
        }

        Assert.Matches($"probe_http_uncompressed_body_length\\{{[^}}]*job=\"web\"[^}}]*\\}} {HttpTestServer.CompressedText.Length}", metrics);
        Assert.Matches("sentinel_http_address_up\\{[^}]*job=\"web\"[^}]*ip_index=\"0\",ip_family=\"ipv4\"[^}]*\\} 1", metrics);
        Assert.Matches("sentinel_probe_failures_total\\{[^}]*job=\"missing\"[^}]*category=\"http_status\"[^}]*\\} [1-9]", metrics);
        Assert.Matches("probe_success\\{[^}]*job=\"missing\"[^}]*\\} 0", metrics);
    }
}

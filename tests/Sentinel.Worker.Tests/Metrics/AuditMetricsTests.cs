using Dapper;
using Microsoft.AspNetCore.Http;
using Sentinel.Testing;
using Xunit;

namespace Sentinel.Worker.Tests.Metrics;

/// <summary>
/// Header-audit findings and HTTPS certificate series in the running daemon: exported on /metrics and stored with
/// the results in PostgreSQL, against real HTTP and HTTPS servers.
/// </summary>
[Collection(DaemonHostTests.Name)]
public sealed class AuditMetricsTests(PostgresCluster postgres)
{
    [Fact]
    public async Task Daemon_HeadersAndHttpsChecks_ExportFindingsAndCertificateSeriesAndStoreTheFindings()
    {
        using var ca = TestCertificateAuthority.Create();
        await using var reflecting = await HeaderServer.StartAsync(ReflectAnyOriginWithCredentials);
        var chain = ca.Issue(new CertificateSpec { IpAddresses = [System.Net.IPAddress.Loopback] });
        await using var https = await HttpTestServer.StartAsync(new HttpTestServerOptions { Tls = chain });
        await using var host = await SentinelTestHost.StartAsync(postgres, dir =>
        {
            var root = dir.Write("root.pem", ca.RootPem);
            dir.Write("cors.json", $$"""
                { "id": "cors", "type": "headers", "target": "{{reflecting.Url("/api/me")}}", "interval": "1s", "timeout": "900ms",
                  "headers": { "hsts": { "httpRedirect": false }, "cors": { "origins": ["https://app.example.com"], "credentials": true } } }
                """);
            dir.Write("secure.json", $$"""
                { "id": "secure", "type": "http", "target": "{{https.Url("/")}}", "interval": "1s", "timeout": "900ms",
                  "http": { "tls": { "caFile": "{{root.Replace("\\", "\\\\", StringComparison.Ordinal)}}" } } }
                """);
        });

        var last = "";
        string metrics;
        try
        {
            metrics = await Eventually.ValueAsync(async () =>
            {
                // Each series is read from the latest results by its own callback, so a check whose first result
                // lands during a scrape has only some of its series in it: wait for every series asserted on below.
                var text = last = await host.MetricsAsync();
                return text.Contains("id=\"cors.reflects_any_origin_with_credentials\"", StringComparison.Ordinal)
                    && System.Text.RegularExpressions.Regex.IsMatch(text, "probe_ssl_earliest_cert_expiry\\{[^}]*job=\"secure\"")
                    && System.Text.RegularExpressions.Regex.IsMatch(text, "probe_success\\{[^}]*job=\"cors\"")
                    && System.Text.RegularExpressions.Regex.IsMatch(text, "probe_success\\{[^}]*job=\"secure\"")
                    && text.Contains("category=\"audit_finding\"", StringComparison.Ordinal) ? text : null;
            }, TimeSpan.FromSeconds(30), "audit findings of the headers check and certificate series of the https check");
        }
        catch (TimeoutException timeout)
        {
            await using var connection = await host.Database.OpenConnectionAsync();
            var results = await connection.QueryAsync<string>(
                "select check_id || ' ' || status || ' ' || coalesce(failure_category, '') || ' ' || coalesce(failure_message, '') from results order by started_at desc limit 10");
            var series = string.Join('\n', last.Split('\n').Where(l => l.Contains("job=\"cors\"", StringComparison.Ordinal) || l.Contains("job=\"secure\"", StringComparison.Ordinal)));
            throw new TimeoutException($"{timeout.Message}\nlatest results:\n{string.Join('\n', results)}\nseries:\n{series}", timeout);
        }

        Assert.Matches("sentinel_audit_findings\\{[^}]*job=\"cors\"[^}]*id=\"cors.reflects_any_origin_with_credentials\",severity=\"critical\"[^}]*\\} 1\n", metrics);
        Assert.Matches("probe_success\\{[^}]*job=\"cors\"[^}]*\\} 0", metrics);
        Assert.Matches("sentinel_probe_failures_total\\{[^}]*job=\"cors\"[^}]*category=\"audit_finding\"[^}]*\\} [1-9]", metrics);
        Assert.DoesNotMatch("sentinel_audit_findings\\{[^}]*job=\"secure\"", metrics);

        var expiry = chain.Intermediates.Append(chain.Leaf).Min(c => c.NotAfter.ToUniversalTime());
        var exported = System.Text.RegularExpressions.Regex.Match(metrics, "probe_ssl_earliest_cert_expiry\\{[^}]*job=\"secure\"[^}]*\\} ([0-9.eE+]+)\n");
        Assert.True(exported.Success, metrics);
        Assert.Equal(new DateTimeOffset(expiry).ToUnixTimeSeconds(), (long)double.Parse(exported.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture));
        Assert.Matches("probe_success\\{[^}]*job=\"secure\"[^}]*\\} 1", metrics);

        // The findings are stored with the result, evidence included.
        var stored = await Eventually.ValueAsync(async () =>
        {
            await using var connection = await host.Database.OpenConnectionAsync();
            return await connection.QueryFirstOrDefaultAsync<string>(
                "select findings::text from results where check_id = 'cors' and findings::text like '%cors.reflects_any_origin_with_credentials%' limit 1");
        }, TimeSpan.FromSeconds(30), "a stored result of the headers check with its findings");
        Assert.Contains("Access-Control-Allow-Credentials", stored, StringComparison.Ordinal);
    }

    private static void ReflectAnyOriginWithCredentials(HttpContext context)
    {
        if (context.Request.Headers.Origin.ToString() is { Length: > 0 } origin)
        {
            HeaderServer.Add(context, "Access-Control-Allow-Origin", origin);
            HeaderServer.Add(context, "Access-Control-Allow-Credentials", "true");
            HeaderServer.Add(context, "Vary", "Origin");
        }
    }
}

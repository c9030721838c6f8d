using System.Net;
using Sentinel.Testing;
using Xunit;

namespace Sentinel.Api.Tests.Endpoints;

/// <summary><c>/v1/alerts</c> over the <c>alerts</c> table as the evaluators of every node leave it.</summary>
[Collection(ApiHostTests.Name)]
public sealed class AlertsEndpointsTests(PostgresCluster postgres)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task List_FiringFirstThenRecent_NeverOk()
    {
        await using var host = await ApiTestHost.StartAsync(postgres);
        var client = host.Client(await host.CreateKeyAsync("ci", "read"));
        await SeedAsync(host);

        var alerts = await KeysAsync(client, "/v1/alerts");

        Assert.Equal(["check_failing/web", "certificate_expiring/ab12", "check_failing/db", "sentinel_blind/node-2", "dns_drift/web:A"], alerts);
    }

    [Theory]
    [InlineData("state=resolved", "check_failing/db,dns_drift/web:A")]
    [InlineData("state=pending", "sentinel_blind/node-2")]
    [InlineData("kind=certificate_expiring", "certificate_expiring/ab12")]
    [InlineData("check=web", "check_failing/web,dns_drift/web:A")]
    [InlineData("check=tls-web", "certificate_expiring/ab12")]
    [InlineData("check=db&state=firing", "")]
    [InlineData("limit=1", "check_failing/web")]
    public async Task List_Filtered_OnlyThoseAlerts(string query, string expected)
    {
        await using var host = await ApiTestHost.StartAsync(postgres);
        var client = host.Client(await host.CreateKeyAsync("ci", "read"));
        await SeedAsync(host);

        var alerts = await KeysAsync(client, "/v1/alerts?" + query);

        Assert.Equal(expected.Length == 0 ? [] : expected.Split(','), alerts);
    }

    [Fact]
    public async Task List_Item_CarriesStateSinceReasonAndSeverity()
    {
        await using var host = await ApiTestHost.StartAsync(postgres);
        var client = host.Client(await host.CreateKeyAsync("ci", "read"));
        await SeedAsync(host);

        var first = (await ChecksEndpointsTests.Body(await client.GetAsync("/v1/alerts?check=web", Ct))).GetProperty("items")[0];

        Assert.Equal("firing", first.GetProperty("state").GetString());
        Assert.Equal("critical", first.GetProperty("severity").GetString());
        Assert.Equal("tcp_refused", first.GetProperty("reason").GetString());
        Assert.Equal("Web <front>", first.GetProperty("title").GetString());
        Assert.Equal(new DateTimeOffset(2026, 3, 10, 11, 0, 0, TimeSpan.Zero), first.GetProperty("since").GetDateTimeOffset());
    }

    [Fact]
    public async Task List_NoKey_Answers401()
    {
        await using var host = await ApiTestHost.StartAsync(postgres);

        var response = await host.Client().GetAsync("/v1/alerts", Ct);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    /// <summary>
    /// A firing check, a resolved one, a firing certificate served by check tls-web, a pending blind node, a resolved DNS drift
    /// of web's A records, and an alert back to ok (which is not listed).
    /// </summary>
    private static Task SeedAsync(ApiTestHost host) => host.Database.ExecuteAsync(
        """
        INSERT INTO alerts (kind, key, title, severity, state, since, reason, updated_at) VALUES
            ('check_failing', 'web', 'Web <front>', 'critical', 'firing', '2026-03-10 11:00:00+00', 'tcp_refused', '2026-03-10 11:00:00+00'),
            ('certificate_expiring', 'ab12', 'www.example.test', 'warning', 'firing', '2026-03-10 10:00:00+00', NULL, '2026-03-10 10:00:00+00'),
            ('check_failing', 'db', 'DB', 'critical', 'resolved', '2026-03-10 12:00:00+00', 'tcp_timeout', '2026-03-10 12:00:00+00'),
            ('sentinel_blind', 'node-2', 'Sentinel on node-2', 'critical', 'pending', '2026-03-10 09:00:00+00', NULL, '2026-03-10 09:00:00+00'),
            ('check_failing', 'calm', 'Calm', 'critical', 'ok', '2026-03-10 13:00:00+00', NULL, '2026-03-10 13:00:00+00'),
            ('dns_drift', 'web:A', 'Web A records', 'warning', 'resolved', '2026-03-10 08:00:00+00', NULL, '2026-03-10 08:00:00+00');
        INSERT INTO check_certificates (check_id, fingerprint, seen_at) VALUES ('tls-web', 'ab12', now());
        """);

    private static async Task<List<string>> KeysAsync(HttpClient client, string path)
    {
        var response = await client.GetAsync(path, Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await ChecksEndpointsTests.Body(response)).GetProperty("items").EnumerateArray()
            .Select(a => $"{a.GetProperty("kind").GetString()}/{a.GetProperty("key").GetString()}").ToList();
    }
}

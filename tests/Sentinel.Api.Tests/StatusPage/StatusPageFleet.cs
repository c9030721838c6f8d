using System.Net;
using Sentinel.Api.Tests.Endpoints;
using Sentinel.Testing;
using Xunit;

namespace Sentinel.Api.Tests.StatusPage;

/// <summary>
/// A daemon with the status page on, public, over a fleet that has run once through the API: a check that is up (label
/// team:payments), one that is down, one whose name is a script tag (down too), two tls checks whose certificates expire
/// in 10 days (degraded: it warns) and 200 days, and one that has never run.
/// </summary>
public sealed class StatusPageFleet(PostgresCluster postgres) : IAsyncLifetime
{
    private readonly TestCertificateAuthority _pki = TestCertificateAuthority.Create();
    private readonly TempDirectory _files = new("sentinel-status-tls");
    private readonly List<TlsServer> _servers = [];

    /// <summary>Each check's id and the state the page must show for it.</summary>
    public static readonly IReadOnlyDictionary<string, string> States = new Dictionary<string, string>
    {
        ["web-up"] = "up", ["db-down"] = "down", ["xss"] = "down", ["tls-soon"] = "degraded", ["tls-later"] = "up", ["never"] = "pending",
    };

    /// <summary>The name of the check "xss".</summary>
    public const string HostileName = "<script>alert(1)</script>";

    internal ApiTestHost Host { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        Host = await ApiTestHost.StartAsync(postgres, settings: new Dictionary<string, string?>
        {
            ["Sentinel:StatusPage:Enabled"] = "true",
            ["Sentinel:StatusPage:Public"] = "true",
            ["Sentinel:StatusPage:Title"] = "Payments & friends",
        });
        var client = Host.Client(await Host.CreateKeyAsync("fleet", "write"));
        var ca = _files.Write("ca.pem", _pki.RootPem);
        var soon = Serve(DateTimeOffset.UtcNow.AddDays(10));
        var later = Serve(DateTimeOffset.UtcNow.AddDays(200));
        string[] checks =
        [
            ChecksEndpointsTests.Tcp("web-up", Host, "1h", """, "name": "Web front", "labels": { "team": "payments" }"""),
            CheckResultsEndpointsTests.Closed("db-down"),
            $$"""{ "id": "xss", "name": "{{HostileName}}", "type": "tcp", "target": "127.0.0.1:{{TcpPorts.Free()}}", "interval": "1h" }""",
            $$"""{ "id": "tls-soon", "type": "tls", "target": "{{soon.Target}}", "interval": "1h", "tls": { "caFile": "{{ca}}" } }""",
            $$"""{ "id": "tls-later", "type": "tls", "target": "{{later.Target}}", "interval": "1h", "tls": { "caFile": "{{ca}}" } }""",
            ChecksEndpointsTests.Tcp("never", Host, NeverDueInterval(DateTimeOffset.UtcNow)),
        ];
        foreach (var check in checks)
        {
            var created = await client.PostAsync("/v1/checks", ApiTestHost.Json(check));
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        }

        foreach (var id in States.Keys.Where(id => id != "never"))
        {
            Assert.Equal(HttpStatusCode.OK, (await client.PostAsync($"/v1/checks/{id}/run", null)).StatusCode);
        }

        await Eventually.WaitAsync(async () => await Host.Database.QueryValueAsync<long>("SELECT count(*) FROM check_latest") == States.Count - 1,
            TimeSpan.FromSeconds(20), "every run to be stored");
    }

    /// <summary>
    /// An interval for the check that must not run while the class runs. The scheduler fires a check at an offset into
    /// its interval derived from its id (<see cref="Sentinel.Worker.Scheduling.FireTimes"/>), so a fixed interval of an
    /// hour made "never" run whenever the class ran in the minute of the hour its offset falls on: of 20 to 24 hours,
    /// the first whose next fire is more than an hour away.
    /// </summary>
    private static string NeverDueInterval(DateTimeOffset now) =>
        Enumerable.Range(20, 5).Select(hours => TimeSpan.FromHours(hours))
            .Where(interval => Sentinel.Worker.Scheduling.FireTimes.First("never", interval, now) - now > TimeSpan.FromHours(1))
            .Select(interval => $"{interval.TotalHours:0}h")
            .First();

    private TlsServer Serve(DateTimeOffset notAfter)
    {
        var server = TlsServer.Start(_pki.Issue(new CertificateSpec
        {
            CommonName = "localhost", DnsNames = ["localhost"], IpAddresses = [IPAddress.Loopback], NotAfter = notAfter,
        }));
        _servers.Add(server);
        return server;
    }

    public async ValueTask DisposeAsync()
    {
        await Host.DisposeAsync();
        foreach (var server in _servers)
        {
            await server.DisposeAsync();
        }

        _files.Dispose();
        _pki.Dispose();
    }
}
